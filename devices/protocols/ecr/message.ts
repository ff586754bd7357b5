/**
 * The data part of a frame, field by field, as a description lays it out: fixed-width fields at
 * their offsets, or fields between separators. Encoding fills each field from a constant, the
 * verb's values or a named source (amount, approvalCode, …), padded and aligned as described;
 * decoding finds which described message a data part is (by size and constants) and reads every
 * field back, with its offset, for `poshil decode ecr` and for the driver's events.
 */
import { maskPan } from '../../formats/pan.js';
import { failure, type Parsed } from '../../formats/result.js';
import type { EcrProtocol, Field, Message } from './description.js';

export interface DecodedField {
  name: string;
  offset: number;
  width: number;
  type: Field['type'];
  /** The bytes as hex, and the value read from them (padding removed). */
  hex: string;
  value: string;
  source?: string;
}

export interface DecodedMessage {
  message: string;
  direction: Message['direction'];
  fields: DecodedField[];
  /** Values by source name (amount, responseCode, …). */
  values: Record<string, string>;
  /** Values by field name. */
  byName: Record<string, string>;
}

/** The bytes of one field, or a reason it cannot hold the value. */
export function encodeField(field: Field, value: string, exact: boolean): Parsed<Uint8Array> {
  const at = field.offset;
  if (field.type === 'bcd' || field.type === 'hex') {
    const digits = value.padStart(2 * field.width, field.type === 'bcd' ? '0' : field.pad === ' ' ? '0' : field.pad);
    const ok = field.type === 'bcd' ? /^\d*$/.test(digits) : /^[0-9a-fA-F]*$/.test(digits);
    if (!ok || digits.length !== 2 * field.width) return failure('BAD_VALUE', at, `field ${field.name} (${field.type}, ${field.width} bytes) cannot hold "${value}"`);
    return { ok: true, value: Uint8Array.from(Buffer.from(digits, 'hex')) };
  }
  if (field.type === 'numeric' && !/^\d*$/.test(value)) return failure('BAD_VALUE', at, `field ${field.name} is numeric, not "${value}"`);
  if (value.length > field.width) return failure('TOO_LONG', at, `field ${field.name} takes at most ${field.width} characters, not ${value.length}`);
  const text = exact ? (field.align === 'right' ? value.padStart(field.width, field.pad) : value.padEnd(field.width, field.pad)) : value;
  return { ok: true, value: Uint8Array.from(Buffer.from(text, 'latin1')) };
}

function readField(field: Field, bytes: Uint8Array, offset: number): Parsed<DecodedField> {
  const hex = Buffer.from(bytes).toString('hex').toUpperCase();
  let value: string;
  if (field.type === 'bcd') {
    if (!/^\d*$/.test(hex)) return failure('BAD_BCD', offset, `field ${field.name} is not BCD: ${hex}`);
    value = hex;
  } else if (field.type === 'hex') value = hex;
  else {
    const text = Buffer.from(bytes).toString('latin1');
    // Numeric fields keep every digit: "00" and "0" are different result codes.
    value = field.type === 'numeric' ? text : field.align === 'right' ? text.replace(new RegExp(`^${escape(field.pad)}+(?=.)`), '') : text.replace(new RegExp(`${escape(field.pad)}+$`), '');
    if (field.type === 'numeric' && !/^\d*$/.test(text.trim())) return failure('BAD_NUMERIC', offset, `field ${field.name} is not numeric: "${text}"`);
  }
  return { ok: true, value: { name: field.name, offset, width: bytes.length, type: field.type, hex, value, ...(field.source ? { source: field.source } : {}) } };
}

function escape(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Encodes a message. A field takes its constant, else `values` by field name (a verb's
 * constants), else `sources` by its source name, else stays padding.
 */
export function encodeMessage(message: Message, values: Readonly<Record<string, string>>, sources: Readonly<Record<string, string | undefined>>): Parsed<Uint8Array> {
  const fixed = message.layout === 'fixed';
  const parts: Uint8Array[] = [];
  const out = fixed ? new Uint8Array(message.size).fill(0x20) : undefined;
  for (const field of message.fields) {
    const value = field.value ?? values[field.name] ?? (field.source ? sources[field.source] : undefined) ?? '';
    const bytes = encodeField(field, value, fixed);
    if (!bytes.ok) return bytes;
    if (out) out.set(bytes.value, field.offset);
    else parts.push(bytes.value);
  }
  if (out) return { ok: true, value: out };
  const separator = Uint8Array.of(message.separator ?? 0x1c);
  return { ok: true, value: Uint8Array.from(Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [separator, p])))) };
}

/** Reads a data part as one message; fails when the size, a separator count or a constant differs. */
export function decodeAs(message: Message, data: Uint8Array): Parsed<DecodedMessage> {
  const fields: DecodedField[] = [];
  if (message.layout === 'fixed') {
    if (data.length !== message.size) return failure('SIZE', 0, `${message.name} has ${message.size} bytes, this data ${data.length}`);
    for (const field of message.fields) {
      const read = readField(field, data.subarray(field.offset, field.offset + field.width), field.offset);
      if (!read.ok) return read;
      fields.push(read.value);
    }
  } else {
    const separator = message.separator ?? 0x1c;
    let start = 0;
    for (const [i, field] of message.fields.entries()) {
      const last = i === message.fields.length - 1;
      const end = last ? data.length : data.indexOf(separator, start);
      if (end < 0) return failure('FIELDS', start, `${message.name} has ${message.fields.length} fields, this data fewer`);
      if (end - start > field.width) return failure('TOO_LONG', start, `field ${field.name} takes at most ${field.width} bytes, not ${end - start}`);
      const read = readField(field, data.subarray(start, end), start);
      if (!read.ok) return read;
      fields.push(read.value);
      start = end + 1;
    }
  }
  for (const [i, field] of message.fields.entries()) {
    if (field.value === undefined) continue;
    const expected = encodeField(field, field.value, message.layout === 'fixed');
    const got = data.subarray(fields[i]!.offset, fields[i]!.offset + fields[i]!.width);
    if (!expected.ok || Buffer.compare(Buffer.from(expected.value), Buffer.from(got)) !== 0) return failure('CONSTANT', fields[i]!.offset, `field ${field.name} is not ${field.value}`);
  }
  const values: Record<string, string> = {};
  const byName: Record<string, string> = {};
  for (const f of fields) {
    byName[f.name] = f.value;
    if (f.source) values[f.source] = f.value;
  }
  return { ok: true, value: { message: message.name, direction: message.direction, fields, values, byName } };
}

/** Which described message a data part is, among those sent in one direction (or any). */
export function decodeMessage(protocol: EcrProtocol, data: Uint8Array, direction?: Message['direction']): Parsed<DecodedMessage> {
  let best: Parsed<DecodedMessage> | undefined;
  for (const message of Object.values(protocol.messages)) {
    if (direction && message.direction !== direction) continue;
    const decoded = decodeAs(message, data);
    if (decoded.ok) return decoded;
    if (!best || decoded.error.code !== 'SIZE') best = decoded;
  }
  return failure('UNKNOWN_MESSAGE', 0, `no ${direction ?? ''} message of ${protocol.id} matches these ${data.length} bytes${best && !best.ok ? ` (closest: ${best.error.reason})` : ''}`.replace('  ', ' '));
}

