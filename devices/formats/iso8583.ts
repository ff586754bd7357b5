/**
 * ISO 8583 as poshil's simulated host link speaks it. One dialect, pinned down here:
 * - MTI: 4 ASCII digits (version, class, function, origin), e.g. 0200 request, 0210 response,
 *   0400 reversal.
 * - Bitmap: the primary bitmap as 16 upper-case hex characters; bit 1 set means a secondary
 *   bitmap of 16 more hex characters follows (fields 65-128).
 * - Fields, all ASCII, in bit order. Fixed fields are exactly their length; LLVAR fields carry
 *   a 2-digit decimal length first.
 */
import { maskPan } from './pan.js';
import { failure, type Parsed } from './result.js';

export interface Iso8583Message {
  mti: string;
  fields: Record<number, string>;
}

interface FieldFormat {
  name: string;
  /** Fixed length, or the maximum of an LLVAR field. */
  length: number;
  variable: boolean;
  chars: RegExp;
}

const n = (name: string, length: number, variable = false): FieldFormat => ({ name, length, variable, chars: /^\d*$/ });
const an = (name: string, length: number, variable = false): FieldFormat => ({ name, length, variable, chars: /^[ -~]*$/ });

export const FIELDS: Readonly<Record<number, FieldFormat>> = {
  2: n('Primary account number', 19, true),
  3: n('Processing code', 6),
  4: n('Amount, transaction', 12),
  7: n('Transmission date and time', 10),
  11: n('System trace audit number', 6),
  12: n('Local transaction time', 6),
  13: n('Local transaction date', 4),
  14: n('Expiration date', 4),
  22: n('POS entry mode', 3),
  35: an('Track 2 data', 37, true),
  36: an('Track 3 data', 99, true),
  37: an('Retrieval reference number', 12),
  38: an('Approval code', 6),
  39: an('Response code', 2),
  41: an('Card acceptor terminal id', 8),
  42: an('Card acceptor id code', 15),
  45: an('Track 1 data', 76, true),
  49: n('Currency code, transaction', 3),
  90: n('Original data elements', 42),
};

export function encodeIso8583(message: Iso8583Message): string {
  if (!/^\d{4}$/.test(message.mti)) throw new RangeError(`MTI ${message.mti} is not 4 digits`);
  const numbers = Object.keys(message.fields).map(Number).sort((a, b) => a - b);
  const secondary = numbers.some((f) => f > 64);
  const bits = new Array<boolean>(secondary ? 128 : 64).fill(false);
  if (secondary) bits[0] = true;
  let body = '';
  for (const field of numbers) {
    const format = FIELDS[field];
    const value = message.fields[field]!;
    if (!format) throw new RangeError(`field ${field} is not in poshil's ISO 8583 dialect`);
    if (!format.chars.test(value) || (format.variable ? value.length > format.length : value.length !== format.length)) {
      throw new RangeError(`field ${field} (${format.name}) does not fit its format: ${JSON.stringify(value)}`);
    }
    bits[field - 1] = true;
    body += format.variable ? String(value.length).padStart(2, '0') + value : value;
  }
  let bitmap = '';
  for (let i = 0; i < bits.length; i += 4) bitmap += ((bits[i] ? 8 : 0) | (bits[i + 1] ? 4 : 0) | (bits[i + 2] ? 2 : 0) | (bits[i + 3] ? 1 : 0)).toString(16).toUpperCase();
  return message.mti + bitmap + body;
}

/** `positions`, when given, is filled with the offset of each field's value in the text. */
export function decodeIso8583(text: string, positions?: Record<number, number>): Parsed<Iso8583Message> {
  const mti = text.slice(0, 4);
  if (!/^\d{4}$/.test(mti)) return failure('BAD_MTI', 0, 'the message must start with a 4-digit MTI');
  const primary = text.slice(4, 20);
  if (!/^[0-9A-Fa-f]{16}$/.test(primary)) return failure('BAD_BITMAP', 4, 'a primary bitmap of 16 hex characters must follow the MTI');
  let hex = primary;
  let offset = 20;
  if (parseInt(primary[0]!, 16) & 8) {
    const secondary = text.slice(20, 36);
    if (!/^[0-9A-Fa-f]{16}$/.test(secondary)) return failure('BAD_BITMAP', 20, 'bit 1 is set but no secondary bitmap of 16 hex characters follows');
    hex += secondary;
    offset = 36;
  }
  const fields: Record<number, string> = {};
  const nibbles = Array.from(hex, (digit) => parseInt(digit, 16));
  for (let field = 2; field <= hex.length * 4; field++) {
    if (!(nibbles[(field - 1) >> 2]! & (8 >> ((field - 1) & 3)))) continue;
    const format = FIELDS[field];
    if (!format) return failure('UNKNOWN_FIELD', offset, `field ${field} is not in poshil's ISO 8583 dialect`);
    let length = format.length;
    if (format.variable) {
      const prefix = text.slice(offset, offset + 2);
      if (!/^\d\d$/.test(prefix)) return failure(prefix.length < 2 ? 'TRUNCATED' : 'BAD_FIELD', offset, `field ${field} needs a 2-digit length`);
      length = Number(prefix);
      if (length > format.length) return failure('BAD_FIELD', offset, `field ${field} is ${length} long, at most ${format.length}`);
      offset += 2;
    }
    const value = text.slice(offset, offset + length);
    if (value.length < length) return failure('TRUNCATED', offset, `field ${field} needs ${length} characters, ${value.length} remain`);
    if (!format.chars.test(value)) return failure('BAD_FIELD', offset, `field ${field} (${format.name}) has characters outside its format`);
    fields[field] = value;
    if (positions) positions[field] = offset;
    offset += length;
  }
  if (offset !== text.length) return failure('TRAILING_DATA', offset, `${text.length - offset} characters after the last field`);
  return { ok: true, value: { mti, fields } };
}

/** Field by field, with names; the PAN masked and track 2 removed, for events and logs. */
export function describeIso8583(message: Iso8583Message): { mti: string; fields: { number: number; name: string; value: string }[] } {
  return {
    mti: message.mti,
    fields: Object.entries(message.fields).map(([key, value]) => {
      const number = Number(key);
      const shown = number === 2 ? maskPan(value) : number === 35 || number === 36 || number === 45 ? '[redacted]' : value;
      return { number, name: FIELDS[number]?.name ?? `field ${number}`, value: shown };
    }),
  };
}
