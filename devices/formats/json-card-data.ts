/**
 * Card data masked inside JSON: a raw NDJSON line exactly as it crossed the wire (every other
 * character kept, so the line stays byte-exact but for the masked positions), or a parsed value
 * bound for a record or a log.
 *
 * Each string is masked by what it holds, told by its key and its shape: hex (an `escpos` field,
 * a `…hex` field, or any long even-length hex string) is decoded and masked in its format;
 * base64 is decoded and masked as bytes of unknown format; an `iso8583` message by its fields;
 * everything else as text.
 */
import { maskEmvAnswer, maskEscPos, maskIso8583, maskTlv, maskUnknown, type MaskedBytes } from './card-data.js';
import { luhnValid } from './luhn.js';
import { hasSchemePrefix, mayHoldCardText, maskCardText, maskEmvHexText, maskWholePan, type MaskedSpan } from './redaction.js';

export interface MaskedText {
  text: string;
  spans: MaskedSpan[];
  unparsed?: string;
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
// With or without its padding, in either alphabet (URL-safe base64 writes - and _ for + and /).
const BASE64 = /^(?:[A-Za-z0-9+/]{4}){5,}(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$|^(?:[A-Za-z0-9_-]{4}){5,}(?:[A-Za-z0-9_-]{2,3})?$/;

/** Keys whose values are parsed as a binary format, where a few bytes may be a whole card-data field (TLV 9F1F, 9F20). */
const BINARY_KEY = /hex$|^escpos$|iso8583/;
/** Keys whose value is a card number: pan, cardNumber, card_number, primaryAccountNumber, accountNumber, maskedPan. */
const CARD_NUMBER_KEY = /^(?:(?:masked)?pan|card_?number|(?:primary_?)?account_?number)$/;
/** The same keys as they stand in a JSON line. */
const BINARY_KEY_IN_JSON = /hex"|escpos"|iso8583/i;

/** Masks one JSON string value (already decoded), knowing the key it belongs to. */
export function maskStringValue(value: string, key = ''): MaskedText {
  const lower = key.toLowerCase();
  // The test a whole line passes first holds for each of its values: most are words and short numbers.
  if (!BINARY_KEY.test(lower) && !mayHoldCardData(value)) return { text: value, spans: [] };
  if (HEX.test(value) && (lower === 'escpos' || lower.endsWith('hex') || (value.length >= 26 && /[a-fA-F]/.test(value)))) {
    const bytes = Buffer.from(value, 'hex');
    const known = lower === 'escpos' || lower.includes('tlv') || lower.includes('emv');
    // Hex of no known format that holds an EMV 5A or 57 field: BER-TLV when it parses (56 and
    // 9F1F beside them masked too), else masked by those fields alone, found as text: the BCD
    // guess of maskUnknown may take the tag and length for the PAN's first digits.
    if (!known) {
      const emv = maskEmvHexText(value, `"${key}"`);
      if (emv.spans.length) {
        const tlv = maskEmvAnswer(bytes);
        return tlv ? fromBytes(value, tlv, 'hex') : emv;
      }
    }
    const masked = lower === 'escpos' ? maskEscPos(bytes) : known ? maskTlv(bytes) : maskUnknown(bytes, `hex of unknown format in "${key}"`);
    return fromBytes(value, masked, 'hex');
  }
  if (lower.includes('iso8583')) {
    const iso = maskIso8583(value);
    if (iso) return iso;
  }
  // A field named for a card number holds one, whatever its check digit says (a misread card).
  if (CARD_NUMBER_KEY.test(lower)) {
    const whole = maskWholePan(value, `"${key}"`);
    if (whole) return whole;
  }
  const text = maskCardText(value, key ? `"${key}"` : undefined);
  if (text.spans.length === 0 && BASE64.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value)) {
    const masked = maskUnknown(Buffer.from(value, 'base64'), `base64 in "${key}"`);
    if (masked.spans.length > 0) return fromBytes(value, masked, 'base64');
  }
  return maskBase64Runs(text, key);
}

// Base64 inside longer text (`track2=OzQx…` in a command's output, a log line quoting a payload):
// a run of 20 or more characters of the alphabet, upper and lower case among them (digits alone
// or hex are read as such above), that decodes to printable text — from its first character, or
// from one of the next three when letters of the alphabet are glued before it (`id/OzQx…`) — is
// masked as text. Only text: a hash, key or signature decodes to random bytes, in which a guess at
// BCD digits would rewrite about one in three hundred.
const BASE64_RUN = /[A-Za-z0-9+/]{20,}/g;

function maskBase64Runs(masked: MaskedText, key: string): MaskedText {
  let chars: string[] | undefined;
  const spans = [...masked.spans];
  for (const match of masked.text.matchAll(BASE64_RUN)) {
    const run = match[0];
    if (run.length === masked.text.length || !/[A-Z]/.test(run) || !/[a-z]/.test(run)) continue;
    for (let skip = 0; skip < 4 && run.length - skip >= 20; skip++) {
      if (!mayEncodeText(run, skip)) continue;
      const rest = run.slice(skip);
      // A length of 4n + 1 has a character that encodes no whole byte.
      const body = rest.length % 4 === 1 ? rest.slice(0, -1) : rest;
      const bytes = Buffer.from(body, 'base64');
      if (!isPrintable(bytes)) continue;
      const text = maskCardText(bytes.toString('latin1'), `base64 in text${key ? ` "${key}"` : ''}`);
      const encoded = fromBytes(body, { bytes: Buffer.from(text.text, 'latin1'), spans: text.spans }, 'base64');
      chars ??= text.spans.length ? masked.text.split('') : undefined;
      // Only the groups of four that hold a masked byte change: the rest stays as it came.
      for (const span of encoded.spans) {
        const at = match.index + skip + span.at;
        const length = Math.min(span.length, body.length - span.at);
        for (let i = 0; i < length; i++) chars![at + i] = encoded.text[span.at + i]!;
        spans.push({ ...span, at, length });
      }
      break;
    }
  }
  return chars ? { ...masked, text: chars.join(''), spans } : masked;
}

const BASE64_VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64_VALUE[c.charCodeAt(0)] = i;

/**
 * Whether base64 from `skip` on can spell text, judged by its characters without decoding: each
 * group of four begins with a byte's top six bits and then its low two and the next byte's top
 * four, which for printable ASCII (0x20–0x7E, tab, line breaks) allow only some values. A word
 * like `TransactionCompletedHandler` fails at its first or second group.
 */
function mayEncodeText(run: string, skip: number): boolean {
  for (let g = skip; g + 1 < run.length; g += 4) {
    const top = BASE64_VALUE[run.charCodeAt(g)]!;
    const next = BASE64_VALUE[run.charCodeAt(g + 1)]! & 15;
    if (!((top >= 8 && top <= 31) || top === 2 || top === 3) || next === 1 || next > 7) return false;
  }
  return true;
}

/** Printable ASCII, tab and line breaks; the last byte may be the half of a group cut off. */
function isPrintable(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length - 1; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 || b > 0x7e) && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  }
  return true;
}

/** Re-encodes masked bytes the way they came (hex keeps its letter case); spans are in characters of the encoding. */
function fromBytes(original: string, masked: MaskedBytes, encoding: 'hex' | 'base64'): MaskedText {
  if (masked.spans.length === 0) return { text: original, spans: [], ...(masked.unparsed ? { unparsed: masked.unparsed } : {}) };
  let text = Buffer.from(masked.bytes).toString(encoding);
  if (encoding === 'hex' && original !== original.toLowerCase()) text = text.toUpperCase();
  // Written back as it came: without padding, or in the URL-safe alphabet.
  if (encoding === 'base64' && !original.endsWith('=')) text = text.replace(/=+$/, '');
  if (encoding === 'base64' && /[-_]/.test(original)) text = text.replace(/\+/g, '-').replace(/\//g, '_');
  const spans: MaskedSpan[] = masked.spans.map((s) =>
    encoding === 'hex' ? { ...s, at: s.at * 2, length: s.length * 2 } : { ...s, at: Math.floor(s.at / 3) * 4, length: Math.ceil((s.at + s.length) / 3) * 4 - Math.floor(s.at / 3) * 4 },
  );
  return { text, spans, ...(masked.unparsed ? { unparsed: masked.unparsed } : {}) };
}

/**
 * Masks card data in a raw JSON text (one NDJSON line) without re-serialising it: each string
 * and number token is masked where it stands. Text that is not JSON is masked as text and
 * marked unparsed.
 */
export function maskJsonText(raw: string): MaskedText {
  if (!mayHoldCardData(raw) && !BINARY_KEY_IN_JSON.test(raw) && !DIGITS_ACROSS_ITEMS.test(raw)) return { text: raw, spans: [] };
  const tokens = tokenize(raw);
  if (!tokens) {
    const text = maskCardText(raw);
    return { ...text, unparsed: 'not JSON' };
  }
  // Split only when something is masked: most lines come out as they went in.
  let chars: string[] | undefined;
  const spans: MaskedSpan[] = [];
  const unparsed: string[] = [];
  for (const token of tokens) {
    const masked: MaskedText = token.kind === 'string' ? maskStringValue(token.value, token.key) : token.kind === 'number' ? maskNumber(token.value) : maskCardText(token.value);
    if (masked.unparsed) unparsed.push(masked.unparsed);
    for (const span of masked.spans) {
      chars ??= raw.split('');
      const from = rawAt(token, span.at);
      const to = rawAt(token, span.at + span.length);
      chars.fill('*', from, to);
      for (let i = span.at; i < span.at + span.length; i++) chars[rawAt(token, i)] = masked.text[i]!;
      spans.push({ ...span, at: from, length: to - from });
    }
  }
  // A receipt's lines as an array: a card number wrapped onto the next line is split over two items.
  for (let t = 0; t + 1 < tokens.length; t++) {
    const [a, b] = [tokens[t]!, tokens[t + 1]!];
    const joined = a.kind === 'string' && b.kind === 'string' ? maskWrapped(a.value, b.value) : undefined;
    for (const span of joined?.spans ?? []) {
      for (let i = span.at; i < span.at + span.length; i++) {
        const at = i < a.value.length ? rawAt(a, i) : rawAt(b, i - a.value.length - 1);
        if ((chars ??= raw.split(''))[at] === '*') continue;
        chars[at] = '*';
        const last = spans.at(-1);
        if (last && last.kind === span.kind && last.at + last.length === at) last.length++;
        else spans.push({ at, length: 1, kind: span.kind });
      }
    }
  }
  return { text: chars ? chars.join('') : raw, spans, ...(unparsed.length ? { unparsed: unparsed.join('; ') } : {}) };
}

/** Two array items, the first ending and the second beginning with a digit: a line wrapped in a card number, maybe. */
const DIGITS_ACROSS_ITEMS = /[0-9]"\s*,\s*"[0-9]/;
const isDigitCode = (code: number) => code >= 0x30 && code <= 0x39;

/** Two neighbouring lines read as one, when one ends and the next begins with a digit: masked, if a card number spans them. */
function maskWrapped(a: string, b: string): MaskedText | undefined {
  if (!isDigitCode(a.charCodeAt(a.length - 1)) || !isDigitCode(b.charCodeAt(0))) return undefined;
  const joined = maskCardText(`${a}\n${b}`);
  return joined.spans.length > 0 ? joined : undefined;
}

/**
 * A JSON number as written. A card number written with an exponent (`4.111111111111111e15`, as
 * a serialiser of doubles may write it) has its digits in the mantissa, split by the point:
 * those of the PAN's that may not be shown are masked where they stand.
 */
function maskNumber(written: string): MaskedText {
  const exponent = /^-?([0-9]+)(?:\.([0-9]+))?[eE]([+-]?[0-9]+)$/.exec(written);
  if (!exponent) return maskCardText(written);
  const whole = exponent[1]!;
  const fraction = exponent[2] ?? '';
  // The number's integer digits: the mantissa's digits with the point moved, zeros after them.
  const length = whole.length + Number(exponent[3]);
  const digits = (whole + fraction).replace(/0+$/, '');
  if (length < 13 || length > 19 || digits.length > length || /^0/.test(whole)) return maskCardText(written);
  const pan = digits.padEnd(length, '0');
  if (!hasSchemePrefix(pan) || !luhnValid(pan)) return maskCardText(written);
  // Where digit k of the PAN stands: the digits of the mantissa in order, the point skipped.
  const positions: number[] = [];
  for (let i = 0; i < written.length && positions.length < digits.length; i++) if (written[i] !== '-' && written[i] !== '.') positions.push(i);
  const chars = written.split('');
  const hidden = positions.slice(6, Math.min(digits.length, length - 4));
  for (const i of hidden) chars[i] = '*';
  const spans: MaskedSpan[] = [];
  for (const i of hidden) {
    const last = spans.at(-1);
    if (last && last.at + last.length === i) last.length++;
    else spans.push({ at: i, length: 1, kind: 'pan', where: 'number' });
  }
  return { text: chars.join(''), spans };
}

/**
 * Whether a JSON text may hold card data, before it is tokenised: card text (mayHoldCardText),
 * 26 hex digits or 20 base64 characters (encoded bytes), or a \u or \t escape (the first can
 * spell any of them, the second split a PAN into groups). One pass each, no backtracking: a
 * regular expression with these alternatives backtracked at every position and cost more than
 * all the masking after it.
 */
function mayHoldCardData(raw: string): boolean {
  if (mayHoldCardText(raw)) return true;
  let hex = 0;
  let base64 = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x5c && (raw.charCodeAt(i + 1) === 0x75 || raw.charCodeAt(i + 1) === 0x74)) return true;
    const digit = c >= 0x30 && c <= 0x39;
    const upper = c >= 0x41 && c <= 0x5a;
    const lower = c >= 0x61 && c <= 0x7a;
    hex = digit || (upper && c <= 0x46) || (lower && c <= 0x66) ? hex + 1 : 0;
    base64 = digit || upper || lower || c === 0x2b || c === 0x2f ? base64 + 1 : 0;
    if (hex >= 26 || base64 >= 20) return true;
  }
  return false;
}

interface Token {
  kind: 'string' | 'number' | 'key';
  /** The decoded value. */
  value: string;
  /** The key this value belongs to ('' for array items and top-level values). */
  key: string;
  /** Where the first decoded character stands in the raw text. */
  start: number;
  /** Where each decoded character starts, plus the end: only for a string with escapes. */
  rawIndex?: number[];
}

/** Where decoded character i of a token (or, for i = its length, the token's end) stands in the raw text. */
const rawAt = (token: Token, i: number): number => (token.rawIndex ? token.rawIndex[i]! : token.start + i);

/** Characters a JSON number holds after its first: digits, point, exponent and its sign. */
const NUMBER_CHARS = new Set([...'0123456789.eE+-'].map((c) => c.charCodeAt(0)));

/** The value tokens of a JSON text with where each decoded character stands; undefined when it is not JSON. */
function tokenize(raw: string): Token[] | undefined {
  try {
    JSON.parse(raw);
  } catch {
    return undefined;
  }
  const tokens: Token[] = [];
  const keys: string[] = [];
  let key = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw.charCodeAt(i);
    if (c === 0x22) {
      const { value, rawIndex, end } = readString(raw, i);
      let j = end;
      // JSON's white space: space, tab, line feed, carriage return.
      while (j < raw.length && (raw.charCodeAt(j) === 0x20 || raw.charCodeAt(j) === 0x09 || raw.charCodeAt(j) === 0x0a || raw.charCodeAt(j) === 0x0d)) j++;
      if (raw.charCodeAt(j) === 0x3a) {
        key = value;
        // A key is looked at as text too: a terminal may key its data by card number.
        tokens.push({ kind: 'key', value, key: '', start: i + 1, ...(rawIndex ? { rawIndex } : {}) });
      } else tokens.push({ kind: 'string', value, key, start: i + 1, ...(rawIndex ? { rawIndex } : {}) });
      i = end;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // JSON.parse has accepted the text, so a number runs to the first character no number holds.
      let end = i + 1;
      while (end < raw.length && NUMBER_CHARS.has(raw.charCodeAt(end))) end++;
      tokens.push({ kind: 'number', value: raw.slice(i, end), key, start: i });
      i = end;
    } else {
      if (c === 0x7b || c === 0x5b) keys.push(key);
      else if (c === 0x7d || c === 0x5d) key = keys.pop() ?? '';
      i++;
    }
  }
  return tokens;
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function readString(raw: string, start: number): { value: string; rawIndex?: number[]; end: number } {
  // Most strings have no escape: their value is a slice, and character i stands at start + 1 + i.
  for (let j = start + 1; j < raw.length; j++) {
    const code = raw.charCodeAt(j);
    if (code === 0x22) return { value: raw.slice(start + 1, j), end: j + 1 };
    if (code === 0x5c) break;
  }
  let value = '';
  const rawIndex: number[] = [];
  let i = start + 1;
  while (raw[i] !== '"') {
    rawIndex.push(i);
    if (raw[i] === '\\') {
      const e = raw[i + 1]!;
      if (e === 'u') {
        value += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        value += ESCAPES[e] ?? e;
        i += 2;
      }
    } else value += raw[i++];
  }
  rawIndex.push(i);
  return { value, rawIndex, end: i + 1 };
}

/**
 * Masks card data in a parsed JSON value (for records and logs); returns the same object when
 * nothing changed. A number that is a card number becomes its masked string.
 */
export function maskJsonValue<T>(value: T, key = ''): T {
  if (typeof value === 'string') {
    const masked = maskStringValue(value, key);
    return (masked.spans.length ? masked.text : value) as T;
  }
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 1e12) {
    const masked = maskCardText(String(value));
    return (masked.spans.length ? masked.text : value) as T;
  }
  // Copied only when something in it changed: most values of a record or a receipt hold no card data.
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const masked = maskJsonValue(value[i] as unknown, key);
      if (masked !== value[i]) (out ??= [...value])[i] = masked;
    }
    // A receipt's lines: a card number wrapped onto the next line is split over two items.
    for (let i = 0; i + 1 < value.length; i++) {
      const [a, b] = [(out ?? value)[i], (out ?? value)[i + 1]];
      const joined = typeof a === 'string' && typeof b === 'string' ? maskWrapped(a, b) : undefined;
      if (!joined) continue;
      (out ??= [...value])[i] = joined.text.slice(0, a.length);
      out[i + 1] = joined.text.slice(a.length + 1);
    }
    return (out ?? value) as T;
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    let keyed = false;
    for (const k of Object.keys(object)) {
      const masked = maskJsonValue(object[k], k);
      // Defined, not assigned: a key "__proto__" (JSON.parse makes it an own key) stays a key.
      if (masked !== object[k]) Object.defineProperty((out ??= { ...object }), k, { value: masked, enumerable: true, writable: true, configurable: true });
      keyed ||= mayHoldCardText(k);
    }
    // A terminal may key its data by card number: such a key is masked too (in its place).
    if (keyed) {
      const from = out ?? object;
      const rekeyed: Record<string, unknown> = {};
      for (const k of Object.keys(from)) Object.defineProperty(rekeyed, maskCardText(k).text, { value: from[k], enumerable: true, writable: true, configurable: true });
      return rekeyed as T;
    }
    return (out ?? value) as T;
  }
  return value;
}
