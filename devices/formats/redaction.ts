/**
 * Card data masked where each format puts it, in place and length-preserving, so that masked
 * evidence keeps every other byte and every offset of what crossed the wire.
 *
 * The policy (PCI DSS requirement 3.4: at most the first six and last four digits of a PAN may be
 * shown; track data is never kept):
 * - a PAN keeps its first six and last four digits; the digits between become `*` in text and
 *   the nibble `E` in BCD (the filler ZVT terminals use for masked PANs);
 * - track 1 and track 2 keep their sentinels, field separators and the PAN's first six and last
 *   four; every other character (the rest of the PAN, name, expiry, service code, discretionary
 *   data) is masked the same way;
 * - the masked positions are reported as spans, so a reader knows exactly which bytes changed.
 *
 * Text is masked by its grammar: tracks by their sentinels and separators, a PAN as a
 * Luhn-valid run of 13–19 digits with a card-scheme prefix (hasSchemePrefix),
 * standing alone or in groups of digits separated by single spaces, tabs, no-break spaces,
 * dashes, dots or slashes, as receipts print it; after a card label ("CARD", "PAN", "Karte"), a
 * number written whole, Luhn-valid or not; EMV tags 5A and 57 written as hex inside text, by tag
 * and length. The text is read as a person reads it (printed-text.ts): digits of other scripts (full-width ４,
 * Arabic-Indic ٤, Devanagari ४, …) are digits, other scripts' spaces and dashes are separators,
 * and characters that show nothing (a zero-width space, a soft hyphen, a direction mark) are not
 * there, so a number printed with them is still found. Binary formats are parsed first (ESC/POS, EMV TLV, ISO 8583, ZVT) and only their
 * text and card-data fields are looked at; other hex or base64 renderings are decoded, not
 * searched as text.
 */
import { luhnValid } from './luhn.js';
import { positionsInText, readAsPrinted } from './printed-text.js';

export type CardDataKind = 'pan' | 'track1' | 'track2' | 'track3' | 'discretionary';

/** A masked run: offset and length in the unit of what was masked (characters or bytes). */
export interface MaskedSpan {
  at: number;
  length: number;
  kind: CardDataKind;
  /** Where inside the format it was found, e.g. `ESC/POS text`, `TLV 5A`, `ISO 8583 field 2`. */
  where?: string;
}

export const MASK_CHAR = '*';
const MASK_CODE = 0x2a;
/** The nibble that stands for a masked digit in BCD. */
export const MASK_NIBBLE = 0xe;

const PAN_RUN = /(?<![0-9])[2-68][0-9]{12,18}(?![0-9])/g;

/**
 * Whether digits found with no card label begin as a card scheme's: first digit 3, 4, 5, 6 or 8,
 * or in MII 2 the ranges issued there, Mir's 2200–2204 and Mastercard's 2221–2720. A run that
 * begins 19 or 20 is a date or a time stamp (20261127160004), never a PAN, and one in ten of
 * those passes Luhn.
 */
export function hasSchemePrefix(digits: string): boolean {
  if (digits[0] !== '2') return /^[3-68]/.test(digits);
  const four = Number(digits.slice(0, 4));
  return (four >= 2200 && four <= 2204) || (four >= 2221 && four <= 2720);
}
// Digits in groups of at most six split by one to three separators (isGroupSeparator): where a
// PAN printed in groups may be (`4111  1111  1111  1111` centred on a receipt,
// `4111 - 1111 - 1111 - 1111`, `6011?0009?9013?9424` for tabs a printer lacks, its last group
// wrapped onto the next line).
const GROUP_RUN = /(?<![0-9])[0-9]{1,6}(?:[\x01\x04-\x1b \u00a0./?,_\u00b7-]{1,3}[0-9]{1,6}){2,}(?![0-9])/g;
// A PAN written whole but wrapped onto the next line by a narrow receipt or display.
const WRAPPED_PAN = /(?<![0-9])[2-68][0-9]{0,17}\r?\n[0-9]{1,18}(?![0-9])/g;
// A number right after a card label ("CARD 4111…", "PAN: …", "Karte …") is the card's even when
// it fails the Luhn check: a misread card that a terminal should have refused, on its receipt.
// Written whole only: in groups, where the number ends (an expiry may follow) is Luhn's to say.
const LABELLED_PAN = /\b(?:card(?:\s*(?:no|nr|number))?|pan|karte(?:n-?nr)?)\.?\s*[:#=]?\s*([2-68][0-9]{12,18})(?![0-9])/gi;
// Track 1: %B PAN ^ NAME ^ YYMM SC discretionary ? — the sentinel is optional (EMV tag 56 has none),
// and the format code read in either case (a reader or firmware that lower-cases it).
const TRACK1 = /%?[Bb]([0-9]{12,19})\^([^^?\n\r]{0,26})\^([0-9]{4}[^?\n\r"]*)\??/g;
// Track 2: ; PAN = YYMM SC discretionary ? — or its bare body (PAN, separator, at least YYMM + SC).
const TRACK2 = /;([0-9]{8,19})=([0-9A-Fa-f]*)\??|(?<![0-9])([0-9]{12,19})[=Dd]([0-9]{7,}F?)(?![0-9])/g;

// EMV tags 5A (PAN) and 57 (track-2 equivalent data) written as hex inside text, as a
// terminal's log line or a short JSON field has them: tag, length, value. Their digits never
// stand alone (tag and length are hex digits too), so the PAN rules above cannot see them.
const EMV_HEX = /(5[Aa]|57)([0-9A-Fa-f]{2})/g;
// ISO 8583 in ASCII, as a terminal's log may print a host message: field 2, the PAN, stands after
// its two-digit length inside the digits of the fields around it (…16 4111…1111 000000…). A run
// of more digits than a PAN and its length can hold is looked into.
const LONG_RUN = /(?<![0-9])[0-9]{22,}(?![0-9])/g;
// Field 35 of such a message: track 2 after its length, so its PAN ends a run of more than 19 digits.
const TRACK2_IN_RUN = /(?<![0-9])([0-9]{20,})[=D]([0-9]{7,})(?![0-9])/g;
// The same as a hex dump prints them, a space between bytes ("5A 08 41 11 …"): APDU and kernel
// traces. At least ten bytes, the shortest 5A field with its tag and length.
const SPACED_HEX = /(?<![0-9A-Fa-f])[0-9A-Fa-f]{2}(?: [0-9A-Fa-f]{2}){9,}(?![0-9A-Fa-f])/g;
// Hex of ASCII text, as a log dumps a buffer (`3431313131…`, `34 31 31 …`, `34:31:…`): the
// digits '0'-'9' are the pairs 30-39, so a card number's characters are 13 or more such pairs in
// a row, which no rule above sees (written out, they are digits of another length).
const DIGIT_PAIRS = /3[0-9](?:[ :]{0,2}3[0-9]){12,}/g;

/**
 * The card data of an EMV 5A or 57 field at `at` of the text, when its value has the shape:
 * a Luhn-valid PAN of 12 to 19 BCD digits (F-padded), and for 57 the separator D, at least an
 * expiry and service code, and the rest up to the F padding.
 */
function emvHexField(text: string, at: number, tag: string, length: number): { kind: CardDataKind; panAt: number; panLength: number; restAt: number; restLength: number; end: number } | undefined {
  const valueAt = at + 4;
  const value = text.slice(valueAt, valueAt + 2 * length);
  if (value.length !== 2 * length) return undefined;
  const field = tag === '5A' ? /^([0-9]{12,19})[Ff]?$/.exec(value) : /^([0-9]{12,19})[Dd]([0-9]{7,})[Ff]?$/.exec(value);
  if (!field || !luhnValid(field[1]!) || !/^[2-68]/.test(field[1]!)) return undefined;
  const panLength = field[1]!.length;
  return { kind: tag === '5A' ? 'pan' : 'track2', panAt: valueAt, panLength, restAt: valueAt + panLength + 1, restLength: field[2]?.length ?? 0, end: valueAt + 2 * length };
}

/** The EMV 5A and 57 fields, tag on a byte boundary, of a hex dump with a space between its bytes at `at` of the text. */
function maskSpacedEmvHex(text: string, at: number, dump: string, runs: Runs, taken: Uint8Array): void {
  const compact = dump.replace(/ /g, '');
  // Character c of the compact hex stands at: its byte's two characters, then a space.
  const place = (c: number) => at + c + (c >> 1);
  for (let c = 0; c + 4 <= compact.length; c += 2) {
    const tag = compact.slice(c, c + 2).toUpperCase();
    if (tag !== '5A' && tag !== '57') continue;
    const found = emvHexField(compact, c, tag, parseInt(compact.slice(c + 2, c + 4), 16));
    if (!found || taken.subarray(place(c), place(found.end - 1) + 1).includes(1)) continue;
    runs.start(found.kind);
    for (let k = 6; k < found.panLength - 4; k++) runs.add(place(found.panAt + k), 1);
    for (let k = 0; k < found.restLength; k++) runs.add(place(found.restAt + k), 1);
    runs.end();
    taken.fill(1, place(c), place(found.end - 1) + 1);
    c = found.end - 2;
  }
}

/**
 * Whether the text may hold a PAN or a track, before the patterns above look: a run of 8 digits
 * (every track, every PAN written whole), 13 digits in groups split by one to three separators,
 * two of the groups of 3 digits or more (a PAN as receipts print it, in any of the groupings
 * groupedPans takes: 4-4-4-4, Amex's 4-6-5, Diners' 4-6-4) or all pairs (a hex dump: `5A 08 41 11 …`,
 * `34 31 31 …`). One pass, no backtracking.
 */
export function mayHoldCardText(text: string): boolean {
  const seen = scanDigits(text);
  if (seen !== NOT_ASCII) return seen === DIGITS;
  const read = readAsPrinted(text);
  return read !== undefined && scanDigits(read.text) === DIGITS;
}

const DIGITS = 1;
const NOT_ASCII = 2;

/** DIGITS when the text holds digits as mayHoldCardText says, NOT_ASCII when not but it holds other than ASCII, else 0. */
function scanDigits(text: string): number {
  let run = 0;
  let gap = 0;
  let all = 0;
  // In the current run of groups: its digits, its groups of 3 digits or more (a PAN printed in
  // groups has two: groupedPans), and the digits of the pairs that end it (a hex dump, `57 13 41
  // 11 …`, counted from the last group of another length: `0010: 57 13 41 …` and
  // `21:17:40.523 57 13 …` hold one). A date and time (`2026-11-27 21:17:40`, on every receipt)
  // has neither, and is not looked into.
  let grouped = 0;
  let long = 0;
  let pairs = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    all |= c;
    if (c >= 0x30 && c <= 0x39) {
      if (++run >= 8) return DIGITS;
      if (++grouped >= 13 && long + (run >= 3 ? 1 : 0) >= 2) return DIGITS;
      if (run <= 2 && pairs + run >= 13) return DIGITS;
      gap = 0;
    } else {
      // Up to three separators after a digit keep the group run going; anything else ends it.
      if (grouped > 0 && gap < 3 && isGroupSeparator(c)) {
        if (gap++ === 0) (long += run >= 3 ? 1 : 0), (pairs = run === 2 ? pairs + 2 : 0);
      } else (grouped = 0), (long = 0), (pairs = 0);
      run = 0;
    }
  }
  return all > 0x7f ? NOT_ASCII : 0;
}

/** Masks card data in human-readable text. Returns the text unchanged (same object) when there is none. */
export function maskCardText(text: string, where?: string): { text: string; spans: MaskedSpan[] } {
  if (!mayHoldCardText(text)) return { text, spans: [] };
  const read = readAsPrinted(text);
  return read ? maskReadText(text, read, where) : maskAsciiText(text, where);
}

/** Masks the card data of `text` found in `read`, its text as read (readAsPrinted), in place in `text`. */
function maskReadText(text: string, read: { text: string; removed: number[] }, where: string | undefined): { text: string; spans: MaskedSpan[] } {
  const found = maskAsciiText(read.text, where);
  if (found.spans.length === 0) return { text, spans: [] };
  const at = positionsInText(read.text.length, read.removed);
  // Split in UTF-16 units, as positions count: the masked characters are digits, never half a pair.
  const chars = text.split('');
  const spans: MaskedSpan[] = [];
  for (const span of found.spans) {
    const positions: number[] = [];
    for (let i = span.at; i < span.at + span.length; i++) {
      if (found.text[i] !== MASK_CHAR) continue;
      positions.push(at[i]!);
      chars[at[i]!] = MASK_CHAR;
    }
    for (const run of contiguous(positions)) spans.push({ ...run, kind: span.kind, ...(span.where ? { where: span.where } : {}) });
  }
  return { text: chars.join(''), spans };
}

/**
 * Masks only the EMV 5A and 57 fields written as hex in `text`: for hex of no known format, whose
 * digits the other rules would take for numbers (a hash's run of digits for a PAN).
 */
export function maskEmvHexText(text: string, where?: string): { text: string; spans: MaskedSpan[] } {
  return maskAsciiText(text, where, true);
}

/** Masks card data in text whose digits are ASCII and whose every character shows; `emvOnly` as maskEmvHexText. */
function maskAsciiText(text: string, where?: string, emvOnly = false): { text: string; spans: MaskedSpan[] } {
  // Masked runs are collected as ranges, not as arrays of positions: a swiped card's two
  // tracks cost 40 µs when every masked character was an array element, sorted and regrouped.
  const spans: MaskedSpan[] = [];
  const hidden = new Uint8Array(text.length);
  const taken = new Uint8Array(text.length);
  const runs = new Runs(spans, hidden, where);
  // With emvOnly the track rules find nothing: their search starts at the end of the text.
  TRACK1.lastIndex = emvOnly ? text.length : 0;
  for (let m = TRACK1.exec(text); m; m = TRACK1.exec(text)) {
    const panAt = m.index + m[0].indexOf(m[1]!);
    const nameAt = panAt + m[1]!.length + 1;
    const restAt = nameAt + m[2]!.length + 1;
    runs.start('track1');
    hidePanDigits(text, panAt, m[1]!.length, runs);
    runs.add(nameAt, m[2]!.length);
    runs.add(restAt, m[3]!.length);
    runs.end();
    taken.fill(1, m.index, m.index + m[0].length);
  }
  TRACK2.lastIndex = emvOnly ? text.length : 0;
  for (let m = TRACK2.exec(text); m; m = TRACK2.exec(text)) {
    if (taken[m.index]) continue;
    const pan = m[1] ?? m[3]!;
    const rest = m[2] ?? m[4]!;
    const panAt = m.index + (m[1] !== undefined ? 1 : 0);
    runs.start('track2');
    hidePanDigits(text, panAt, pan.length, runs);
    runs.add(panAt + pan.length + 1, rest.length);
    runs.end();
    taken.fill(1, m.index, m.index + m[0].length);
  }
  TRACK2_IN_RUN.lastIndex = emvOnly ? text.length : 0;
  for (let m = TRACK2_IN_RUN.exec(text); m; m = TRACK2_IN_RUN.exec(text)) {
    const run = m[1]!;
    // The longest scheme PAN that ends the run.
    const length = [19, 18, 17, 16, 15, 14, 13, 12].find((n) => hasSchemePrefix(run.slice(-n)) && luhnValid(run.slice(-n)));
    const panAt = m.index + run.length - (length ?? 0);
    if (length === undefined || taken.subarray(panAt, m.index + m[0].length).includes(1)) continue;
    runs.start('track2');
    hidePanDigits(text, panAt, length, runs);
    runs.add(panAt + length + 1, m[2]!.length);
    runs.end();
    taken.fill(1, panAt, m.index + m[0].length);
  }
  EMV_HEX.lastIndex = 0;
  for (let m = EMV_HEX.exec(text); m; m = EMV_HEX.exec(text)) {
    const found = emvHexField(text, m.index, m[1]!.toUpperCase(), parseInt(m[2]!, 16));
    if (!found || taken.subarray(m.index, found.end).includes(1)) {
      EMV_HEX.lastIndex = m.index + 1;
      continue;
    }
    runs.start(found.kind);
    hidePanDigits(text, found.panAt, found.panLength, runs);
    runs.add(found.restAt, found.restLength);
    runs.end();
    taken.fill(1, m.index, found.end);
    EMV_HEX.lastIndex = found.end;
  }
  SPACED_HEX.lastIndex = 0;
  for (let m = SPACED_HEX.exec(text); m; m = SPACED_HEX.exec(text)) maskSpacedEmvHex(text, m.index, m[0], runs, taken);
  DIGIT_PAIRS.lastIndex = 0;
  for (let m = DIGIT_PAIRS.exec(text); m; m = DIGIT_PAIRS.exec(text)) {
    // In hex written without gaps, pairs count from where the hex begins: `…3d3431…` holds the
    // byte 34, `…d34313…` does not. A match off by one is tried again a character on.
    if (!pairAligned(text, m.index)) DIGIT_PAIRS.lastIndex = m.index + 1;
    else maskAsciiHexDigits(text, m.index, m[0], runs, taken);
  }
  const candidates: { at: number; length: number; labelled?: boolean }[] = [];
  if (emvOnly) return render(text, hidden, spans);
  LABELLED_PAN.lastIndex = 0;
  for (let m = LABELLED_PAN.exec(text); m; m = LABELLED_PAN.exec(text)) candidates.push({ at: m.index + m[0].length - m[1]!.length, length: m[1]!.length, labelled: true });
  PAN_RUN.lastIndex = 0;
  for (let m = PAN_RUN.exec(text); m; m = PAN_RUN.exec(text)) candidates.push({ at: m.index, length: m[0].length });
  WRAPPED_PAN.lastIndex = 0;
  for (let m = WRAPPED_PAN.exec(text); m; m = WRAPPED_PAN.exec(text)) candidates.push({ at: m.index, length: m[0].length });
  GROUP_RUN.lastIndex = 0;
  // Most runs are times and lists (`21:44:20.523`, `1,2,3`): too few digits to look into.
  for (let m = GROUP_RUN.exec(text); m; m = GROUP_RUN.exec(text)) if (digitCount(m[0]) >= 13) candidates.push(...groupedPans(m[0], m.index));
  LONG_RUN.lastIndex = 0;
  for (let m = LONG_RUN.exec(text); m; m = LONG_RUN.exec(text)) candidates.push(...lengthPrefixedPans(m[0], m.index));
  // Candidates may overlap (two Luhn-valid windows in one run of groups, a labelled number that is
  // also a run): each hides its own middle digits, and the union is what is masked.
  const panHidden = new Uint8Array(text.length);
  const pans = { add: (i: number, n: number) => void panHidden.fill(1, i, i + n) };
  for (const { at, length, labelled } of candidates) {
    if (taken.subarray(at, at + length).includes(1)) continue;
    const digits = text.slice(at, at + length).replace(/[^0-9]/g, '');
    if (digits.length < 13 || digits.length > 19 || (!labelled && !(hasSchemePrefix(digits) && luhnValid(digits)))) continue;
    hidePanDigits(text, at, length, pans);
  }
  runs.start('pan');
  for (let i = 0; i < text.length; i++) if (panHidden[i] && !hidden[i]) runs.add(i, 1);
  runs.end();
  return render(text, hidden, spans);
}

/** The text with its hidden characters masked, and the spans in order. */
function render(text: string, hidden: Uint8Array, spans: MaskedSpan[]): { text: string; spans: MaskedSpan[] } {
  if (spans.length === 0) return { text, spans };
  spans.sort((a, b) => a.at - b.at);
  let masked = '';
  let from = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && !hidden[i]) continue;
    masked += text.slice(from, i);
    let j = i;
    while (j < text.length && hidden[j]) j++;
    masked += MASK_CHAR.repeat(j - i);
    from = i = j;
  }
  return { text: masked, spans };
}

/**
 * A value that is a card number by where it stands (a JSON field named for one), written whole:
 * masked whether it passes Luhn or not, as a card label in text makes it. Undefined for any
 * other value.
 */
export function maskWholePan(value: string, where?: string): { text: string; spans: MaskedSpan[] } | undefined {
  if (!/^[2-68][0-9]{12,18}$/.test(value)) return undefined;
  const spans: MaskedSpan[] = [];
  const runs = new Runs(spans, new Uint8Array(value.length), where);
  runs.start('pan');
  hidePanDigits(value, 0, value.length, runs);
  runs.end();
  return { text: value.slice(0, 6) + MASK_CHAR.repeat(value.length - 10) + value.slice(-4), spans };
}

/**
 * The spans of one masked finding, given as ranges in ascending order: ranges that touch or
 * overlap become one span.
 */
class Runs {
  private kind: CardDataKind = 'pan';
  private at = -1;
  private to = -1;

  constructor(
    private readonly spans: MaskedSpan[],
    private readonly hidden: Uint8Array,
    private readonly where: string | undefined,
  ) {}

  start(kind: CardDataKind): void {
    this.kind = kind;
    this.at = -1;
  }

  add(at: number, length: number): void {
    if (length <= 0) return;
    this.hidden.fill(1, at, at + length);
    if (this.at >= 0 && at <= this.to) {
      this.to = Math.max(this.to, at + length);
      return;
    }
    this.end();
    this.at = at;
    this.to = at + length;
  }

  end(): void {
    if (this.at < 0) return;
    this.spans.push({ at: this.at, length: this.to - this.at, kind: this.kind, ...(this.where ? { where: this.where } : {}) });
    this.at = -1;
  }
}

/**
 * Where a PAN printed in groups may stand inside a run of groups: three to five groups, the first
 * starting with a scheme digit (2-6 or 8), the first two of 3 to 6 digits, 13 to 19 digits in
 * all, Luhn-valid — the longest from each group on. A run may hold more than the PAN: an expiry
 * after it (`4111 1111 1111 1111 12/27`), a count before it. Spaces and dashes may be mixed:
 * firmware that prints `4111 1111-1111 1111` must not keep the number whole.
 */
function groupedPans(run: string, offset: number): { at: number; length: number }[] {
  const groups = [...run.matchAll(/[0-9]+/g)].map((m) => ({ at: m.index, digits: m[0] }));
  const found: { at: number; length: number }[] = [];
  for (let first = 0; first + 2 < groups.length; first++) {
    const head = groups[first]!;
    if (!/[2-68]/.test(head.digits[0]!) || head.digits.length < 3 || groups[first + 1]!.digits.length < 3) continue;
    for (let last = Math.min(first + 4, groups.length - 1); last >= first + 2; last--) {
      const digits = groups.slice(first, last + 1).map((g) => g.digits).join('');
      if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) continue;
      const end = groups[last]!;
      // The next window is tried from the next group on, not after this one: a count or another
      // scheme-digit group before a PAN can make a window of its own that ends inside the PAN.
      found.push({ at: offset + head.at, length: end.at + end.digits.length - head.at });
      break;
    }
  }
  return found;
}

/** In a long run of digits, each scheme PAN that follows its own length as two digits (an LLVAR field). */
function lengthPrefixedPans(run: string, offset: number): { at: number; length: number }[] {
  const found: { at: number; length: number }[] = [];
  for (let i = 0; i + 15 <= run.length; i++) {
    const length = Number(run.slice(i, i + 2));
    if (length < 13 || length > 19 || i + 2 + length > run.length) continue;
    const pan = run.slice(i + 2, i + 2 + length);
    if (hasSchemePrefix(pan) && luhnValid(pan)) found.push({ at: offset + i + 2, length });
  }
  return found;
}

/** Whether a hex pair may start at `at`: an even number of hex digits since the hex began there. */
function pairAligned(text: string, at: number): boolean {
  let start = at;
  while (start > 0 && isHexDigit(text.charCodeAt(start - 1))) start--;
  return (at - start) % 2 === 0;
}

const isHexDigit = (code: number) => (code >= 48 && code <= 57) || ((code | 0x20) >= 97 && (code | 0x20) <= 102);

/**
 * The digit pairs at `at` (`dump` as written, up to two spaces or colons between pairs): a scheme
 * PAN written as ASCII digits when they are 13 to 19 and one, or in a longer run one after its
 * two-digit length (an ISO 8583 message dumped as hex). Both characters of a hidden digit's pair
 * are masked.
 */
function maskAsciiHexDigits(text: string, at: number, dump: string, runs: Runs, taken: Uint8Array): void {
  if (taken.subarray(at, at + dump.length).includes(1)) return;
  const pairs: number[] = [];
  let digits = '';
  // Pairs may be parted by a space or colon, or two (`hexdump -C` puts two after the eighth byte).
  for (let i = 0; i + 1 < dump.length; ) {
    pairs.push(at + i);
    digits += dump[i + 1];
    for (i += 2; dump[i] === ' ' || dump[i] === ':'; i++);
  }
  const pans = digits.length <= 19 ? (hasSchemePrefix(digits) && luhnValid(digits) ? [{ at: 0, length: digits.length }] : []) : lengthPrefixedPans(digits, 0);
  for (const pan of pans) {
    runs.start('pan');
    for (let j = pan.at + 6; j < pan.at + pan.length - 4; j++) runs.add(pairs[j]!, 2);
    runs.end();
  }
}

/** Hides the digits of a PAN written at [at, at+length) but its first six and its last four. */
function hidePanDigits(text: string, at: number, length: number, runs: Pick<Runs, 'add'>): void {
  let digits = 0;
  for (let i = at; i < at + length; i++) if (isDigit(text.charCodeAt(i))) digits++;
  let seen = 0;
  for (let i = at; i < at + length; i++) {
    if (!isDigit(text.charCodeAt(i))) continue;
    if (seen >= 6 && seen < digits - 4) runs.add(i, 1);
    seen++;
  }
}

const isDigit = (code: number) => code >= 48 && code <= 57;

function digitCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (isDigit(text.charCodeAt(i))) n++;
  return n;
}
/**
 * What may stand between the groups of a printed PAN (GROUP_RUN): space, no-break space, dash,
 * dot, slash, comma, underscore, middle dot, a question mark (what a code-page printer prints for
 * a character it lacks, a tab say) and control characters (tab, line break, the \u0001 of a
 * garbled link) — but STX, ETX, EOT and the separators FS, GS, RS, US, which part an ECR
 * message's fields (`\x1c250\x1c978\x1c123456`), not a number's groups. A colon parts the bytes
 * of a hex dump (`34:31:31:…`, DIGIT_PAIRS) here, not the groups of a PAN: with it, a host and
 * port (`10.254.113.201:41237`) would read as one.
 */
const GROUP_SEPARATORS = (() => {
  const table = new Uint8Array(256);
  for (let c = 0x04; c < 0x1c; c++) table[c] = 1;
  for (const c of [0x01, 0x20, 0xa0, 0x2d, 0x2e, 0x2f, 0x3f, 0x3a, 0x2c, 0x5f, 0xb7]) table[c] = 1;
  return table;
})();
const isGroupSeparator = (code: number) => code < 256 && GROUP_SEPARATORS[code] === 1;

/** Sorted positions grouped into runs of consecutive ones. */
function contiguous(indices: Iterable<number>): { at: number; length: number }[] {
  const sorted = [...indices].sort((a, b) => a - b);
  const runs: { at: number; length: number }[] = [];
  for (const i of sorted) {
    const last = runs.at(-1);
    if (last && i === last.at + last.length) last.length++;
    else if (!last || i >= last.at + last.length) runs.push({ at: i, length: 1 });
  }
  return runs;
}

/** In ByteMasker.textAt's offsets: a line ends here. */
export const LINE_BREAK = -1;

/** A byte buffer being masked in place, with the spans it collected. */
export class ByteMasker {
  readonly spans: MaskedSpan[] = [];
  constructor(readonly bytes: Uint8Array) {}

  /** Masks card data in the single-byte text at [at, at+length). */
  text(at: number, length: number, where: string): void {
    const offsets: number[] = [];
    for (let i = 0; i < length; i++) offsets.push(at + i);
    this.textAt(offsets, where);
  }

  /**
   * Masks card data in text whose characters sit at the given byte offsets (one byte each); an
   * offset of LINE_BREAK stands for the end of a printed line, read as `\n` and never masked.
   */
  textAt(offsets: readonly number[], where: string): void {
    if (offsets.length < 13) return;
    let text = '';
    for (const o of offsets) text += o === LINE_BREAK ? '\n' : String.fromCharCode(this.bytes[o]!);
    const masked = maskCardText(text, where);
    for (const span of masked.spans) {
      const positions = offsets.slice(span.at, span.at + span.length).filter((o) => o !== LINE_BREAK);
      for (const p of positions) this.bytes[p] = MASK_CODE;
      for (const run of contiguous(positions)) this.spans.push({ ...run, kind: span.kind, where });
    }
  }

  /** Masks a whole field (every byte) as `kind`. */
  all(at: number, length: number, kind: CardDataKind, where: string): void {
    if (length <= 0) return;
    this.bytes.fill(MASK_CODE, at, at + length);
    this.spans.push({ at, length, kind, where });
  }

  /**
   * Masks packed BCD card data: a PAN (keeping its first six and last four digits), or track-2
   * equivalent data (PAN, separator D, the rest masked up to the F padding).
   */
  bcd(at: number, length: number, kind: CardDataKind, where: string): void {
    const nibbles: number[] = [];
    for (let i = 0; i < length; i++) nibbles.push(this.bytes[at + i]! >> 4, this.bytes[at + i]! & 0x0f);
    let panEnd = nibbles.findIndex((n) => n > 9);
    if (panEnd < 0) panEnd = nibbles.length;
    const hide = new Set<number>();
    for (let i = 6; i < panEnd - 4; i++) hide.add(i);
    if (panEnd < nibbles.length && nibbles[panEnd] === 0xd) for (let i = panEnd + 1; i < nibbles.length && nibbles[i] !== 0xf; i++) hide.add(i);
    if (hide.size === 0) return;
    for (const i of hide) nibbles[i] = MASK_NIBBLE;
    for (let i = 0; i < length; i++) this.bytes[at + i] = (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!;
    const first = Math.min(...hide) >> 1;
    const last = Math.max(...hide) >> 1;
    this.spans.push({ at: at + first, length: last - first + 1, kind, where });
  }
}

/** Offsets of the printable single-byte text runs in bytes (for formats poshil cannot parse). */
export function printableRuns(bytes: Uint8Array, from = 0, to = bytes.length): { at: number; length: number }[] {
  const runs: { at: number; length: number }[] = [];
  let start = -1;
  for (let i = from; i <= to; i++) {
    const b = i < to ? bytes[i]! : 0;
    const printable = (b >= 0x20 && b < 0x7f) || b === 0x09;
    if (printable && start < 0) start = i;
    else if (!printable && start >= 0) {
      runs.push({ at: start, length: i - start });
      start = -1;
    }
  }
  return runs;
}

/**
 * The last resort for bytes of no known format: card data in their printable runs, and packed
 * BCD digit runs outside them that form a Luhn-valid scheme PAN (a BCD PAN whose bytes happen
 * to read as four or more printable characters is taken for text). Marked as a guess by the caller.
 */
export function maskUnknownBytes(masker: ByteMasker, from = 0, to = masker.bytes.length): void {
  const inText = new Uint8Array(masker.bytes.length);
  for (const run of printableRuns(masker.bytes, from, to)) {
    if (run.length >= 4) inText.fill(1, run.at, run.at + run.length);
    masker.text(run.at, run.length, 'printable text');
  }
  let start = -1;
  for (let i = from; i <= to; i++) {
    const b = i < to ? masker.bytes[i]! : 0xff;
    const bcd = (b >> 4) <= 9 && (b & 0x0f) <= 9;
    if (bcd && start < 0) start = i;
    else if (!bcd && start >= 0) {
      // A PAN of an odd number of digits ends in the F that pads its last byte (…12 6F).
      const padded = i < to && (b >> 4) <= 9 && (b & 0x0f) === 0x0f;
      maskBcdPans(masker, start, padded ? i + 1 : i, inText, padded);
      start = -1;
    }
  }
}

const PAN_LENGTHS = [16, 15, 19, 18, 17, 14, 13];

/** Masks each Luhn-valid scheme PAN that starts on a byte boundary of the BCD digits at [from, to). */
function maskBcdPans(masker: ByteMasker, from: number, to: number, inText: Uint8Array, padded = false): void {
  const hex = Buffer.from(masker.bytes.subarray(from, to)).toString('hex');
  const digits = padded ? hex.slice(0, -1) : hex;
  for (let d = 0; d + 13 <= digits.length; d += 2) {
    if (!hasSchemePrefix(digits.slice(d, d + 4))) continue;
    // Text read as BCD ("CARD 41" is 43 41 52 44 20 34 31) is not a PAN: the text rule has seen it.
    const text = (n: number) => inText.subarray(from + d / 2, from + Math.ceil((d + n) / 2)).some(Boolean);
    const length = PAN_LENGTHS.find((n) => d + n <= digits.length && luhnValid(digits.slice(d, d + n)) && !text(n));
    if (length === undefined) continue;
    masker.bcd(from + d / 2, Math.ceil(length / 2), 'pan', 'BCD digits');
    d += length - (length % 2);
  }
}
