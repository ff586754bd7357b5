/**
 * Card data masked inside each payment format poshil can parse: ESC/POS (printed text and QR
 * data), EMV BER-TLV (5A, 57, 56, 9F6B, 9F1F, 9F20), ISO 8583 (fields 2, 35, 36, 45). Each
 * masker works on a copy, in place and length-preserving (see redaction.ts for the policy), and
 * says whether the bytes parsed; bytes that did not are masked by `maskUnknownBytes` and the
 * result says so.
 */
import { decodeEscPos } from './escpos.js';
import { decodeIso8583 } from './iso8583.js';
import { ByteMasker, LINE_BREAK, maskUnknownBytes, type CardDataKind, type MaskedSpan } from './redaction.js';
import { parseTlv } from './tlv.js';

export interface MaskedBytes {
  bytes: Uint8Array;
  spans: MaskedSpan[];
  /** Why the bytes could not be parsed as their format, when they could not: the masking was a best guess. */
  unparsed?: string;
}

export function maskEscPos(bytes: Uint8Array): MaskedBytes {
  const masker = new ByteMasker(Uint8Array.from(bytes));
  let line: number[] = [];
  let previous: number[] = [];
  const isDigitAt = (offset: number | undefined) => offset !== undefined && masker.bytes[offset]! >= 0x30 && masker.bytes[offset]! <= 0x39;
  const endLine = () => {
    masker.textAt(line, 'ESC/POS text');
    // A card number the firmware wrapped onto the next line: the two lines read together.
    if (isDigitAt(previous.at(-1)) && isDigitAt(line[0])) masker.textAt([...previous, LINE_BREAK, ...line], 'ESC/POS text');
    if (line.length > 0) previous = line;
    line = [];
  };
  const decoded = decodeEscPos(bytes, {
    char: (offset) => line.push(offset),
    lineEnd: endLine,
    qrData: (offset, length) => masker.text(offset, length, 'ESC/POS QR code data'),
    barcodeData: (offset, length) => masker.text(offset, length, 'ESC/POS barcode data'),
  });
  if (decoded.ok) {
    endLine();
    return { bytes: masker.bytes, spans: masker.spans };
  }
  maskUnknownBytes(masker);
  return { bytes: masker.bytes, spans: masker.spans, unparsed: `not ESC/POS at byte ${decoded.error.offset}: ${decoded.error.reason}` };
}

/** EMV tags that hold card data, and how each is written. */
const TLV_CARD_DATA: Readonly<Record<string, { kind: CardDataKind; form: 'bcd' | 'text' | 'all' }>> = {
  '5A': { kind: 'pan', form: 'bcd' },
  '57': { kind: 'track2', form: 'bcd' },
  '9F6B': { kind: 'track2', form: 'bcd' },
  '56': { kind: 'track1', form: 'text' },
  '9F1F': { kind: 'discretionary', form: 'all' },
  '9F20': { kind: 'discretionary', form: 'all' },
};

/** Masks card-data objects of the BER-TLV at [at, at+length) of the masker's bytes. Returns the parse error, if any. */
export function maskTlvIn(masker: ByteMasker, at = 0, length = masker.bytes.length - at): string | undefined {
  const parsed = parseTlv(masker.bytes.subarray(at, at + length), at, (tag, offset, size) => {
    const rule = TLV_CARD_DATA[tag];
    if (!rule) return;
    if (rule.form === 'bcd') masker.bcd(offset, size, rule.kind, `TLV ${tag}`);
    else if (rule.form === 'all') masker.all(offset, size, rule.kind, `TLV ${tag}`);
    else {
      const before = masker.spans.length;
      masker.text(offset, size, `TLV ${tag}`);
      if (masker.spans.length === before) masker.all(offset, size, rule.kind, `TLV ${tag}`);
    }
  });
  return parsed.ok ? undefined : `not BER-TLV at byte ${parsed.error.offset}: ${parsed.error.reason}`;
}

/**
 * Bytes of no known format that hold an EMV 5A or 57 field, masked as BER-TLV when they are one (a
 * card's READ RECORD answer, with or without its status word 90 00): then 56 and 9F1F beside the
 * fields are masked too. Undefined when they are not TLV.
 */
export function maskEmvAnswer(bytes: Uint8Array): MaskedBytes | undefined {
  const masker = new ByteMasker(Uint8Array.from(bytes));
  if (maskTlvIn(masker) === undefined) return { bytes: masker.bytes, spans: masker.spans };
  const n = bytes.length;
  if (n <= 2 || bytes[n - 2] !== 0x90 || bytes[n - 1] !== 0x00) return undefined;
  const withoutStatus = new ByteMasker(Uint8Array.from(bytes));
  return maskTlvIn(withoutStatus, 0, n - 2) === undefined ? { bytes: withoutStatus.bytes, spans: withoutStatus.spans } : undefined;
}

export function maskTlv(bytes: Uint8Array): MaskedBytes {
  const masker = new ByteMasker(Uint8Array.from(bytes));
  const error = maskTlvIn(masker);
  if (error) maskUnknownBytes(masker);
  return { bytes: masker.bytes, spans: masker.spans, ...(error ? { unparsed: error } : {}) };
}

const ISO8583_CARD_DATA: Readonly<Record<number, CardDataKind>> = { 2: 'pan', 35: 'track2', 36: 'track3', 45: 'track1' };

/** Masks an ISO 8583 message in poshil's dialect (ASCII); `undefined` when the text is not one. */
export function maskIso8583(text: string): { text: string; spans: MaskedSpan[] } | undefined {
  const positions: Record<number, number> = {};
  const decoded = decodeIso8583(text, positions);
  if (!decoded.ok) return undefined;
  const chars = text.split('');
  const spans: MaskedSpan[] = [];
  for (const [field, kind] of Object.entries(ISO8583_CARD_DATA)) {
    const value = decoded.value.fields[Number(field)];
    if (value === undefined) continue;
    const at = positions[Number(field)]!;
    // The field says it is a PAN: keep at most its first six and last four, Luhn-valid or not.
    const hide = kind === 'pan' ? { at: at + 6, length: Math.max(0, value.length - 10) } : { at, length: value.length };
    if (hide.length === 0) continue;
    chars.fill('*', hide.at, hide.at + hide.length);
    spans.push({ ...hide, kind, where: `ISO 8583 field ${field}` });
  }
  return { text: spans.length ? chars.join('') : text, spans };
}

/** Masks bytes of no known format: card data in their printable runs and Luhn-valid BCD digit runs. */
export function maskUnknown(bytes: Uint8Array, reason: string): MaskedBytes {
  const masker = new ByteMasker(Uint8Array.from(bytes));
  maskUnknownBytes(masker);
  return { bytes: masker.bytes, spans: masker.spans, unparsed: reason };
}

/** How the transcript masks what one channel carries: its text frames and its binary frames. */
export interface FrameMasker {
  /**
   * The name of a masker that needs nothing but its module (frame-maskers.ts): entries it masks
   * may be masked by the evidence thread, which finds it by this name.
   */
  readonly id?: string;
  text(text: string): { text: string; spans: MaskedSpan[]; unparsed?: string };
  bytes(bytes: Uint8Array): MaskedBytes;
}
