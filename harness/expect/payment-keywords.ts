/**
 * Payment keywords for expectations, usable in any suite schema:
 * - `luhn: true` — a string of digits passing the Luhn check;
 * - `maskedPan: true` — a PAN masked per PCI (at most first six and last four digits clear),
 *   and never a full PAN;
 * - `track2: true` — valid ISO 7813 track 2 data (sentinels, Luhn, expiry, service code, LRC if present);
 * - `emvQr: true` — an EMV merchant-presented QR payload with a correct CRC;
 * - `noCardNumber: true` — text with no full card number and no track data in it (what a receipt
 *   line, a display or a log line must never show); the failure says what was found, masked;
 * - `receipt: SCHEMA` — hex ESC/POS bytes that decode to a receipt `{lines, text, qrCodes, cuts, …}`
 *   matching SCHEMA (`text` is all lines joined with newlines, for `pattern` checks). A failure
 *   names the rule of SCHEMA that failed, in the receipt's terms ("receipt line 5 …").
 */
import type { Ajv, AnySchema, ErrorObject } from 'ajv';
import { parseEmvQr } from '../../devices/formats/emv-qr.js';
import { decodeEscPos } from '../../devices/formats/escpos.js';
import { luhnValid } from '../../devices/formats/luhn.js';
import { isMaskedPan } from '../../devices/formats/pan.js';
import { maskCardText } from '../../devices/formats/redaction.js';
import { parseTrack2 } from '../../devices/formats/track.js';

const check = (test: (value: string) => boolean) => (schema: boolean, data: unknown) => schema !== true || (typeof data === 'string' && test(data));

/** `checkSchema` vets a nested receipt schema as ajv would (when ajv's own check is switched off). */
export function addPaymentKeywords(ajv: Ajv, checkSchema: (schema: unknown) => void = () => undefined): void {
  ajv.addKeyword({ keyword: 'luhn', type: 'string', schemaType: 'boolean', validate: check(luhnValid), error: { message: 'must be a card number that passes the Luhn check' } });
  ajv.addKeyword({ keyword: 'maskedPan', type: 'string', schemaType: 'boolean', validate: check(isMaskedPan), error: { message: 'must be a PAN masked to at most the first six and last four digits' } });
  ajv.addKeyword({ keyword: 'track2', type: 'string', schemaType: 'boolean', validate: check((v) => parseTrack2(v).ok), error: { message: 'must be valid ISO 7813 track 2 data' } });
  ajv.addKeyword({ keyword: 'emvQr', type: 'string', schemaType: 'boolean', validate: check((v) => parseEmvQr(v).ok), error: { message: 'must be an EMV merchant QR payload with a correct CRC' } });
  ajv.addKeyword({
    keyword: 'noCardNumber',
    type: 'string',
    schemaType: 'boolean',
    errors: true,
    compile(schema: boolean) {
      const fn = (data: string): boolean => {
        fn.errors = schema === true ? cardDataFound(data) : [];
        return fn.errors.length === 0;
      };
      fn.errors = [] as Partial<ErrorObject>[];
      return fn;
    },
  });
  ajv.addKeyword({
    keyword: 'receipt',
    type: 'string',
    schemaType: ['object', 'boolean'],
    errors: true,
    compile(schema: AnySchema) {
      checkSchema(schema);
      const validate = ajv.compile(schema);
      const fn = (data: string): boolean => {
        fn.errors = [];
        if (!/^([0-9a-fA-F]{2})*$/.test(data)) return fail(fn, 'must be ESC/POS bytes written as hex');
        const decoded = decodeEscPos(Buffer.from(data, 'hex'));
        if (!decoded.ok) return fail(fn, `must be ESC/POS bytes: ${decoded.error.reason} at byte ${decoded.error.offset}`);
        if (validate({ ...decoded.value, text: decoded.value.lines.map((l) => l.text).join('\n') })) return true;
        fn.errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if' && e.keyword !== 'allOf').map((e) => ({ keyword: 'receipt', message: inReceiptTerms(e), params: {} }));
        return false;
      };
      fn.errors = [] as Partial<ErrorObject>[];
      return fn;
    },
  });
}

function fail(fn: { errors: Partial<ErrorObject>[] }, message: string): false {
  fn.errors = [{ keyword: 'receipt', message, params: {} }];
  return false;
}

/** What a nested receipt rule found, told in the receipt's terms: "receipt line 5 prints …". */
function inReceiptTerms(e: ErrorObject): string {
  const line = /^\/lines\/(\d+)(?:\/text)?$/.exec(e.instancePath);
  const where = line ? `receipt line ${Number(line[1]) + 1}` : e.instancePath === '' ? 'the receipt' : `receipt ${e.instancePath.slice(1).replace(/\//g, ' ')}`;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'pattern') return `${where} must match ${String(params['pattern'])}`;
  if (e.keyword === 'const') return `${where} must be ${JSON.stringify(params['allowedValue'])}`;
  return `${where} ${e.message ?? e.keyword}`;
}

/** Errors for each full card number or track in the text, shown masked. */
function cardDataFound(text: string): Partial<ErrorObject>[] {
  const masked = maskCardText(text);
  const seen = new Set<string>();
  const errors: Partial<ErrorObject>[] = [];
  for (const span of masked.spans) {
    const whole = wholeToken(masked.text, span.at, span.length);
    if (seen.has(whole)) continue;
    seen.add(whole);
    const digits = whole.replace(/[^0-9*]/g, '').length;
    const message =
      span.kind === 'pan'
        ? `prints a full card number (${digits} digits, Luhn-valid; shown masked: ${whole})`
        : `prints ${span.kind === 'track1' ? 'track 1' : 'track 2'} data (shown masked: ${whole})`;
    errors.push({ keyword: 'noCardNumber', message, params: {} });
  }
  return errors;
}

/** The masked run with the characters around it that belong to the same number or track. */
function wholeToken(text: string, at: number, length: number): string {
  const part = /[0-9*=^?%;B]/;
  const digit = /[0-9*]/;
  let from = at;
  let to = at + length;
  while (from > 0 && (part.test(text[from - 1]!) || (/[ -]/.test(text[from - 1]!) && digit.test(text[from - 2] ?? '')))) from--;
  while (to < text.length && (part.test(text[to]!) || (/[ -]/.test(text[to]!) && digit.test(text[to + 1] ?? '')))) to++;
  return text.slice(from, to);
}
