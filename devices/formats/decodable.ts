/**
 * The formats `poshil decode` reads on its own (zvt and ecr are the protocols'). Apart from the
 * decoders, so that listing them in the help does not load every one.
 */
export const DECODABLE = ['track', 'qr', 'tlv', 'escpos'] as const;
export type Decodable = (typeof DECODABLE)[number];
