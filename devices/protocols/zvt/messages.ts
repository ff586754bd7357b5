/** The ZVT messages poshil sends and expects, built from APDUs and BMPs. */
import { encodeApdu } from './apdu.js';
import { encodeFields, toBcd } from './bmp.js';

const PASSWORD = Uint8Array.of(0x00, 0x00, 0x00);

const apdu = (cls: number, instr: number, data: Iterable<number> = []) => encodeApdu({ cls, instr, data: Uint8Array.from(data) });
const amountAndCurrency = (cents: number, currencyNumeric: string) => encodeFields([{ tag: 0x04, value: toBcd(cents, 6) }, { tag: 0x49, value: toBcd(currencyNumeric, 2) }]);

export const zvt = {
  ack: () => apdu(0x80, 0x00),
  nack: (code: number) => apdu(0x84, code),
  registration: (currencyNumeric: string) => apdu(0x06, 0x00, [...PASSWORD, 0x8e, ...toBcd(currencyNumeric, 2)]),
  authorisation: (cents: number, currencyNumeric: string) => apdu(0x06, 0x01, amountAndCurrency(cents, currencyNumeric)),
  refund: (cents: number, currencyNumeric: string) => apdu(0x06, 0x31, [...PASSWORD, ...amountAndCurrency(cents, currencyNumeric)]),
  reversal: (receipt: number) => apdu(0x06, 0x30, [...PASSWORD, ...encodeFields([{ tag: 0x87, value: toBcd(receipt, 2) }])]),
  abort: () => apdu(0x06, 0x1e),
  endOfDay: () => apdu(0x06, 0x50, PASSWORD),
  diagnosis: () => apdu(0x06, 0x70),
  statusEnquiry: () => apdu(0x05, 0x01),
  intermediateStatus: (code: number) => apdu(0x04, 0xff, [code]),
  statusInformation: (fields: { tag: number; value: Uint8Array }[]) => apdu(0x04, 0x0f, encodeFields(fields)),
  printLine: (attribute: number, text: string) => apdu(0x06, 0xd1, [attribute, ...Buffer.from(text, 'latin1')]),
  completion: () => apdu(0x06, 0x0f),
  abortFromTerminal: (resultCode: number) => apdu(0x06, 0x1e, [resultCode]),
};
