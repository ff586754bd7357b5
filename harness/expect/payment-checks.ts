/**
 * What the payment keywords (payment-keywords.ts) do to a value at run time. The validators ajv
 * generates call these functions by name, from the cache of compiled expectations
 * (expectation-cache.ts) as well as when just compiled, so this module must not load ajv.
 */
import type { ErrorObject } from 'ajv';
import { parseEmvQr } from '../../devices/formats/emv-qr.js';
import { decodeEscPos, type Receipt } from '../../devices/formats/escpos.js';
import type { Parsed } from '../../devices/formats/result.js';
import { luhnValid } from '../../devices/formats/luhn.js';
import { isMaskedPan } from '../../devices/formats/pan.js';
import { maskCardText } from '../../devices/formats/redaction.js';
import { parseTrack2 } from '../../devices/formats/track.js';

/** A validator of the decoded receipt, as ajv compiles the `receipt` keyword's schema. */
type ReceiptValidate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export const PAYMENT_CHECKS = {
  luhn: (value: string): boolean => luhnValid(value),
  maskedPan: (value: string): boolean => isMaskedPan(value),
  track2: (value: string): boolean => parseTrack2(value).ok,
  emvQr: (value: string): boolean => parseEmvQr(value).ok,
  /** One message for each full card number or track in the text, shown masked. */
  cardDataFound(text: string): string[] {
    const masked = maskCardText(text);
    const seen = new Set<string>();
    const messages: string[] = [];
    for (const span of masked.spans) {
      const whole = wholeToken(masked.text, span.at, span.length);
      if (seen.has(whole)) continue;
      seen.add(whole);
      const digits = whole.replace(/[^\p{Nd}*]/gu, '').length;
      messages.push(
        span.kind === 'pan'
          ? `prints a full card number (${digits} digits, Luhn-valid; shown masked: ${whole})`
          : `prints ${span.kind === 'track1' ? 'track 1' : 'track 2'} data (shown masked: ${whole})`,
      );
    }
    return messages;
  },
  /** What is wrong with hex ESC/POS bytes as a receipt that `validate` checks, in the receipt's terms. */
  receiptFailures(hex: string, validate: ReceiptValidate): string[] {
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return ['must be ESC/POS bytes written as hex'];
    const decoded = receiptOf(hex);
    if (!decoded.ok) return [`must be ESC/POS bytes: ${decoded.error.reason} at byte ${decoded.error.offset}`];
    const receipt = decoded.value;
    if (validate(receipt)) return [];
    return (validate.errors ?? []).filter((e) => e.keyword !== 'if' && e.keyword !== 'allOf').map((e) => inReceiptTerms(e, receipt));
  },
};

/** A receipt as the `receipt` keyword checks it: the decoded ESC/POS, and its lines' text joined. */
export type CheckedReceipt = Receipt & { text: string };

let last: { hex: string; decoded: Parsed<CheckedReceipt> } | undefined;

/**
 * The receipt of hex ESC/POS bytes, decoded once for the keyword and for the warnings' walk
 * (unchecked.ts) of the same step: the last one is kept. Its readers do not change it.
 */
export function receiptOf(hex: string): Parsed<CheckedReceipt> {
  if (last?.hex !== hex) {
    const decoded = decodeEscPos(Buffer.from(hex, 'hex'));
    last = { hex, decoded: decoded.ok ? { ok: true, value: { ...decoded.value, text: decoded.value.lines.map((l) => l.text).join('\n') } } : decoded };
  }
  return last.decoded;
}

export type PaymentCheckName = keyof typeof PAYMENT_CHECKS;

/** This module, whose code a cached expectation calls by name (its hash is part of the cache key). */
export const PAYMENT_CHECKS_MODULE = import.meta.url;

/** What a nested receipt rule found, told in the receipt's terms: "receipt line 5 must match …, got …". */
function inReceiptTerms(e: ErrorObject, receipt: unknown): string {
  const line = /^\/lines\/(\d+)(?:\/text)?$/.exec(e.instancePath);
  const where = line ? `receipt line ${Number(line[1]) + 1}` : e.instancePath === '' ? 'the receipt' : `receipt ${e.instancePath.slice(1).replace(/\//g, ' ')}`;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'pattern') return `${where} must match ${String(params['pattern'])}${printed(receipt, e.instancePath)}`;
  if (e.keyword === 'const') return `${where} must be ${JSON.stringify(params['allowedValue'])}${printed(receipt, e.instancePath)}`;
  return `${where} ${e.message ?? e.keyword}`;
}

/** ", got "TOTAL EUR 12.50"": what the receipt printed there, short (card data is masked where the reason is kept). */
function printed(receipt: unknown, pointer: string): string {
  let at: unknown = receipt;
  for (const key of pointer.split('/').slice(1)) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  const text = JSON.stringify(at);
  if (text === undefined) return '';
  return `, got ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
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
