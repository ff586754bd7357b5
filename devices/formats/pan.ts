/**
 * PAN masking and card-data redaction. PCI DSS: a displayed PAN keeps at most the first six and
 * last four digits; track data is never kept. poshil applies this to its own records,
 * transcripts and logs.
 */
import { luhnValid } from './luhn.js';

export function maskPan(pan: string): string {
  const digits = pan.replace(/\D/g, '');
  if (digits.length < 13) return '*'.repeat(Math.max(0, digits.length - 4)) + digits.slice(-4);
  return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
}

export function isMaskedPan(text: string): boolean {
  const m = /^(\d{0,6})(\*+)(\d{0,4})$/.exec(text);
  return m !== null && m[1]!.length + m[2]!.length + m[3]!.length >= 8;
}

// Track 1: %B PAN ^ NAME ^ rest ? (+ optional LRC char); track 2: ; PAN = rest ? (+ LRC).
const TRACK1 = /%B(\d{8,19})\^[^^?\n]{0,26}\^[^?\n]*\??/g;
const TRACK2 = /;(\d{8,19})=[0-9A-Fa-f]*\??/g;
// A bare track-2 body or EMV tag 57 equivalent: PAN, separator (= or D), YYMM and service code.
const TRACK2_BODY = /\b(\d{12,19})[=Dd](\d{7,})F?\b/g;
const DIGIT_RUN = /\d{13,19}/g;
const QUICK = /\d{13}|%B|;\d|\d{12}[=Dd]/;

/** Masks every card number and removes every track in free text. Fast when there is none. */
export function redactCardData(text: string): string {
  if (!QUICK.test(text)) return text;
  return text
    .replace(TRACK1, (_, pan: string) => `%B${maskPan(pan)}^[TRACK1 REDACTED]`)
    .replace(TRACK2, (_, pan: string) => `;${maskPan(pan)}=[TRACK2 REDACTED]`)
    .replace(TRACK2_BODY, (_, pan: string) => `${maskPan(pan)}=[TRACK2 REDACTED]`)
    .replace(DIGIT_RUN, (run: string, offset: number, whole: string) => {
      const before = whole[offset - 1];
      const after = whole[offset + run.length];
      if ((before && /\d/.test(before)) || (after && /\d/.test(after))) return run;
      return luhnValid(run) ? maskPan(run) : run;
    });
}

/** True when the text still holds a full PAN or track data (for tests that scan outputs). */
export function containsCardData(text: string): boolean {
  return redactCardData(text) !== text;
}
