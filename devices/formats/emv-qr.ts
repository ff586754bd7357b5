/**
 * EMVCo merchant-presented QR (QRCPS-MPM): data objects of ID (2 digits) + LEN (2 decimal
 * digits, counting characters, not bytes) + value; templates nest the same way. The payload
 * ends with `6304` + CRC-16/CCITT-FALSE over the UTF-8 bytes of everything up to and including
 * `6304`, as 4 upper-case hex digits.
 */
import { crc16CcittFalse } from './crc.js';
import { failure, type Parsed } from './result.js';

export interface QrObject {
  id: string;
  value: string;
  children?: QrObject[];
}

export interface EmvQr {
  objects: QrObject[];
  payloadFormat: string;
  dynamic: boolean;
  merchantName?: string;
  merchantCity?: string;
  currency?: string;
  amount?: string;
  countryCode?: string;
  crc: string;
}

const encoder = new TextEncoder();

/** IDs whose values are templates of nested data objects. */
function isTemplate(id: string): boolean {
  const n = Number(id);
  return (n >= 26 && n <= 51) || n === 62 || n === 64 || (n >= 80 && n <= 99);
}

export function emvQrCrc(payloadUpTo6304: string): string {
  return crc16CcittFalse(encoder.encode(payloadUpTo6304)).toString(16).toUpperCase().padStart(4, '0');
}

/** Splits a string of data objects; `base` is the character offset for errors. */
function parseObjects(text: string, base: number, nested: boolean): Parsed<QrObject[]> {
  const chars = [...text];
  const objects: QrObject[] = [];
  let i = 0;
  while (i < chars.length) {
    if (i + 4 > chars.length) return failure('TRUNCATED', base + i, 'a data object header needs 4 characters');
    const id = chars.slice(i, i + 2).join('');
    const len = chars.slice(i + 2, i + 4).join('');
    if (!/^\d\d$/.test(id) || !/^\d\d$/.test(len)) return failure('BAD_HEADER', base + i, `"${id}${len}" is not an ID and a length`);
    const length = Number(len);
    if (i + 4 + length > chars.length) return failure('TRUNCATED', base + i, `object ${id} declares ${length} characters, ${chars.length - i - 4} remain`);
    const value = chars.slice(i + 4, i + 4 + length).join('');
    const object: QrObject = { id, value };
    if (!nested && isTemplate(id)) {
      const children = parseObjects(value, base + i + 4, true);
      if (!children.ok) return children;
      object.children = children.value;
    }
    objects.push(object);
    i += 4 + length;
  }
  return { ok: true, value: objects };
}

export function parseEmvQr(payload: string): Parsed<EmvQr> {
  const chars = [...payload];
  const crcAt = chars.length - 8;
  if (crcAt < 0 || chars.slice(crcAt, crcAt + 4).join('') !== '6304') return failure('NO_CRC', Math.max(0, crcAt), 'the payload must end with 6304 and a 4-digit CRC');
  const objects = parseObjects(payload, 0, false);
  if (!objects.ok) return objects;
  const list = objects.value;
  const first = list[0];
  if (!first || first.id !== '00' || first.value !== '01') return failure('BAD_FORMAT_INDICATOR', 0, 'the payload must start with 000201');
  const crc = list.at(-1)!;
  const expected = emvQrCrc(chars.slice(0, crcAt + 4).join(''));
  if (crc.value !== expected) return failure('CRC_MISMATCH', crcAt + 4, `CRC is ${crc.value}, the payload computes to ${expected}`);
  const get = (id: string) => list.find((o) => o.id === id)?.value;
  const currency = get('53');
  if (currency !== undefined && !/^\d{3}$/.test(currency)) return failure('BAD_CURRENCY', 0, `currency ${currency} is not a numeric ISO 4217 code`);
  const amount = get('54');
  if (amount !== undefined && !/^(?=.*\d)\d*(\.\d*)?$/.test(amount)) return failure('BAD_AMOUNT', 0, `amount ${amount} is not a decimal number`);
  const opt = (key: string, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    ok: true,
    value: {
      objects: list,
      payloadFormat: first.value,
      dynamic: get('01') === '12',
      ...opt('merchantName', get('59')),
      ...opt('merchantCity', get('60')),
      ...opt('currency', currency),
      ...opt('amount', amount),
      ...opt('countryCode', get('58')),
      crc: crc.value,
    },
  };
}

function encodeObject(o: { id: string; value: string | { id: string; value: string }[] }): string {
  const value = typeof o.value === 'string' ? o.value : o.value.map(encodeObject).join('');
  const length = [...value].length;
  if (length > 99) throw new RangeError(`object ${o.id} is longer than 99 characters`);
  return o.id + String(length).padStart(2, '0') + value;
}

/** Builds a payload from data objects (templates as nested lists) and appends the CRC. */
export function buildEmvQr(objects: { id: string; value: string | { id: string; value: string }[] }[]): string {
  const body = objects.map(encodeObject).join('') + '6304';
  return body + emvQrCrc(body);
}

/** ISO 4217 numeric codes the simulator and suites use. */
export const CURRENCY_NUMERIC: Readonly<Record<string, string>> = { EUR: '978', USD: '840', GBP: '826', CHF: '756', CNY: '156', JPY: '392', SEK: '752', PLN: '985' };
