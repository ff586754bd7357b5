/**
 * ZVT bitmap fields (BMPs): a tag byte, then a value whose length the tag defines — fixed, LLVAR
 * or LLLVAR (each length digit sent as 0xF0 + digit), or a BER length for the TLV container 06.
 * A tag poshil does not know ends decoding there: its length cannot be known, so the bytes from
 * that offset on are kept as `unparsed`, never dropped. Malformed lengths are typed errors.
 */
import { maskPan } from '../../formats/pan.js';
import { failure, type Parsed } from '../../formats/result.js';
import { parseTlv, type TlvNode } from '../../formats/tlv.js';
import { hex2 } from './apdu.js';

type Kind = 'bcd' | 'binary' | 'ascii' | 'llvar-bcd' | 'llvar' | 'lllvar' | 'tlv';

export interface BmpFormat {
  name: string;
  kind: Kind;
  /** Fixed length in bytes (for bcd, binary, ascii). */
  length?: number;
}

export const BMPS: Readonly<Record<number, BmpFormat>> = {
  0x01: { name: 'timeout', kind: 'binary', length: 1 },
  0x02: { name: 'max. status infos', kind: 'binary', length: 1 },
  0x03: { name: 'service byte', kind: 'binary', length: 1 },
  0x04: { name: 'amount', kind: 'bcd', length: 6 },
  0x05: { name: 'pump number', kind: 'binary', length: 1 },
  0x06: { name: 'TLV container', kind: 'tlv' },
  0x0b: { name: 'trace number', kind: 'bcd', length: 3 },
  0x0c: { name: 'time', kind: 'bcd', length: 3 },
  0x0d: { name: 'date', kind: 'bcd', length: 2 },
  0x0e: { name: 'expiry date', kind: 'bcd', length: 2 },
  0x17: { name: 'card sequence number', kind: 'bcd', length: 2 },
  0x19: { name: 'payment type / status byte', kind: 'binary', length: 1 },
  0x22: { name: 'PAN / EF_ID', kind: 'llvar-bcd' },
  0x23: { name: 'track 2 data', kind: 'llvar' },
  0x24: { name: 'track 3 data', kind: 'lllvar' },
  0x27: { name: 'result code', kind: 'binary', length: 1 },
  0x29: { name: 'terminal id', kind: 'bcd', length: 4 },
  0x2a: { name: 'VU number', kind: 'ascii', length: 15 },
  0x2d: { name: 'track 1 data', kind: 'llvar' },
  0x37: { name: 'original trace number', kind: 'bcd', length: 3 },
  0x3b: { name: 'AID', kind: 'binary', length: 8 },
  0x3c: { name: 'additional text', kind: 'lllvar' },
  0x60: { name: 'individual totals', kind: 'lllvar' },
  0x49: { name: 'currency code', kind: 'bcd', length: 2 },
  0x87: { name: 'receipt number', kind: 'bcd', length: 2 },
  0x88: { name: 'turnover number', kind: 'bcd', length: 3 },
  0x8a: { name: 'card type', kind: 'binary', length: 1 },
  0x8b: { name: 'card name', kind: 'llvar' },
  0x8c: { name: 'card type id', kind: 'binary', length: 1 },
  0xa0: { name: 'result code AS', kind: 'binary', length: 1 },
  0xba: { name: 'AID parameter', kind: 'binary', length: 5 },
};

export interface BmpField {
  tag: string;
  name: string;
  /** The TLV container's objects (BMP 06), unknown tags kept. */
  tlv?: TlvNode[];
  /** Hex of the value bytes (masked for PAN and track data). */
  value: string;
  /** A readable form: digits for BCD, text for ASCII, a masked PAN. */
  text?: string;
}

export interface DecodedFields {
  fields: BmpField[];
  /** Bytes from the first tag poshil could not size, kept as hex. */
  unparsed?: { offset: number; hex: string };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

/** BCD digits of a whole number, `bytes` long (e.g. cents in 6 bytes for BMP 04). */
export function toBcd(value: number | string, bytes: number): Uint8Array {
  const digits = String(value).padStart(bytes * 2, '0');
  if (!/^\d+$/.test(digits) || digits.length > bytes * 2) throw new RangeError(`${value} does not fit ${bytes} BCD bytes`);
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

function varLength(bytes: Uint8Array, at: number, digits: number): number | undefined {
  let n = 0;
  for (let i = 0; i < digits; i++) {
    const b = bytes[at + i];
    if (b === undefined || (b & 0xf0) !== 0xf0 || (b & 0x0f) > 9) return undefined;
    n = n * 10 + (b & 0x0f);
  }
  return n;
}

function berLength(bytes: Uint8Array, at: number): { length: number; size: number } | undefined {
  const first = bytes[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return { length: first, size: 1 };
  const count = first & 0x7f;
  if (count < 1 || count > 2 || at + count >= bytes.length + 1) return undefined;
  let length = 0;
  for (let i = 1; i <= count; i++) {
    const b = bytes[at + i];
    if (b === undefined) return undefined;
    length = length * 256 + b;
  }
  return { length, size: 1 + count };
}

export function decodeFields(bytes: Uint8Array, base = 0): Parsed<DecodedFields> {
  const fields: BmpField[] = [];
  let i = 0;
  while (i < bytes.length) {
    const tag = bytes[i]!;
    const format = BMPS[tag];
    if (!format) return { ok: true, value: { fields, unparsed: { offset: base + i, hex: hex(bytes.subarray(i)) } } };
    let start = i + 1;
    let length = format.length ?? 0;
    if (format.kind === 'llvar' || format.kind === 'llvar-bcd' || format.kind === 'lllvar') {
      const digits = format.kind === 'lllvar' ? 3 : 2;
      const n = varLength(bytes, start, digits);
      if (n === undefined) return failure('BAD_LENGTH', base + start, `BMP ${hex2(tag)} needs a ${digits}-digit Fx length`);
      length = n;
      start += digits;
    } else if (format.kind === 'tlv') {
      const ber = berLength(bytes, start);
      if (!ber) return failure('BAD_LENGTH', base + start, 'BMP 06 needs a BER length');
      length = ber.length;
      start += ber.size;
    }
    if (start + length > bytes.length) return failure('TRUNCATED', base + i, `BMP ${hex2(tag)} needs ${length} bytes, ${bytes.length - start} remain`);
    const value = bytes.subarray(start, start + length);
    fields.push(describeField(tag, format, value));
    i = start + length;
  }
  return { ok: true, value: { fields } };
}

function describeField(tag: number, format: BmpFormat, value: Uint8Array): BmpField {
  const base = { tag: hex2(tag), name: format.name };
  if (tag === 0x22) {
    const digits = hex(value).replace(/F+$/, '');
    return { ...base, value: maskPan(digits), text: maskPan(digits) };
  }
  if (tag === 0x23 || tag === 0x24 || tag === 0x2d) return { ...base, value: '[redacted]' };
  if (format.kind === 'tlv') {
    const tlv = parseTlv(value);
    return { ...base, value: hex(value), ...(tlv.ok ? { tlv: tlv.value } : {}) };
  }
  if (tag === 0x04) return { ...base, value: hex(value), text: formatCents(Number(hex(value))) };
  if (format.kind === 'bcd') return { ...base, value: hex(value), text: hex(value).replace(/^0+(?=\d)/, '') };
  if (format.kind === 'ascii' || format.kind === 'llvar' || format.kind === 'lllvar') return { ...base, value: hex(value), text: Buffer.from(value).toString('latin1') };
  return { ...base, value: hex(value) };
}

/** Cents as a decimal amount with two places: 1000 → "10.00". */
export function formatCents(cents: number): string {
  return (cents / 100).toFixed(2);
}

export function encodeFields(fields: { tag: number; value: Uint8Array }[]): Uint8Array {
  const out: number[] = [];
  for (const { tag, value } of fields) {
    const format = BMPS[tag];
    if (!format) throw new RangeError(`BMP ${hex2(tag)} is not known to poshil`);
    out.push(tag);
    if (format.kind === 'llvar' || format.kind === 'llvar-bcd' || format.kind === 'lllvar') {
      const digits = String(value.length).padStart(format.kind === 'lllvar' ? 3 : 2, '0');
      out.push(...[...digits].map((d) => 0xf0 + Number(d)));
    } else if (format.kind === 'tlv') {
      out.push(...(value.length < 0x80 ? [value.length] : value.length < 0x100 ? [0x81, value.length] : [0x82, value.length >> 8, value.length & 0xff]));
    } else if (value.length !== format.length) throw new RangeError(`BMP ${hex2(tag)} takes ${format.length} bytes, not ${value.length}`);
    out.push(...value);
  }
  return Uint8Array.from(out);
}

/** The raw value of each known BMP, by tag, up to the first unknown one. */
export function readFields(bytes: Uint8Array): Map<number, Uint8Array> {
  const values = new Map<number, Uint8Array>();
  walkFields(bytes, (tag, start, length) => values.set(tag, bytes.subarray(start, start + length)));
  return values;
}

/**
 * Visits each known BMP with where its value starts and how long it is, in order; returns the
 * offset where it stopped (the length of `bytes` when every field was known and complete).
 */
export function walkFields(bytes: Uint8Array, visit: (tag: number, start: number, length: number, format: BmpFormat) => void, from = 0): number {
  let i = from;
  while (i < bytes.length) {
    const tag = bytes[i]!;
    const format = BMPS[tag];
    if (!format) break;
    let start = i + 1;
    let length = format.length ?? 0;
    if (format.kind === 'llvar' || format.kind === 'llvar-bcd' || format.kind === 'lllvar') {
      const digits = format.kind === 'lllvar' ? 3 : 2;
      const n = varLength(bytes, start, digits);
      if (n === undefined) break;
      length = n;
      start += digits;
    } else if (format.kind === 'tlv') {
      const ber = berLength(bytes, start);
      if (!ber) break;
      length = ber.length;
      start += ber.size;
    }
    if (start + length > bytes.length) break;
    visit(tag, start, length, format);
    i = start + length;
  }
  return i;
}

export function fromBcd(value: Uint8Array | undefined): string | undefined {
  return value ? Buffer.from(value).toString('hex').toUpperCase() : undefined;
}
