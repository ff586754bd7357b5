/**
 * Magnetic stripe tracks 1 and 2 (ISO/IEC 7811 / 7813).
 *
 * Track 1 (IATA, ≤ 79 characters): `%B` PAN `^` NAME `^` YYMM, service code, discretionary `?`.
 * Track 2 (ABA, ≤ 40 characters):  `;` PAN `=` YYMM, service code, discretionary `?`.
 *
 * LRC: even longitudinal parity over every character including the sentinels, taken in the
 * track's own bit encoding — 6 bits (character code − 0x20) on track 1, 4 bits (code − 0x30) on
 * track 2 — so the LRC is the XOR of those codes, written back as a character of the same set
 * (+ 0x20 or + 0x30). A swipe may carry the LRC character right after each end sentinel, as a
 * raw reader delivers it, or leave it out, as keyboard-wedge readers do; poshil checks it when
 * it is there.
 */
import { luhnValid } from './luhn.js';
import { failure, type Parsed } from './result.js';

export interface TrackData {
  track: 1 | 2;
  pan: string;
  name?: string;
  /** YYMM */
  expiry: string;
  serviceCode: string;
  discretionary: string;
  /** Whether an LRC character came with the track (and was correct). */
  lrc: 'checked' | 'absent';
}

export interface Swipe {
  track1?: TrackData;
  track2?: TrackData;
}

const MAX = { 1: 79, 2: 40 } as const;

export function trackLrc(track: 1 | 2, text: string): string {
  const base = track === 1 ? 0x20 : 0x30;
  let lrc = 0;
  for (let i = 0; i < text.length; i++) lrc ^= text.charCodeAt(i) - base;
  return String.fromCharCode((lrc & (track === 1 ? 0x3f : 0x0f)) + base);
}

function checkCharset(track: 1 | 2, text: string, offset: number): Parsed<true> {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ok = track === 1 ? c >= 0x20 && c <= 0x5f : c >= 0x30 && c <= 0x3f;
    if (!ok) return failure('BAD_CHARACTER', offset + i, `character 0x${c.toString(16)} is not in the track ${track} character set`);
  }
  return { ok: true, value: true };
}

function fieldsAfterPan(rest: string, offset: number): Parsed<{ expiry: string; serviceCode: string; discretionary: string }> {
  const m = /^(\d{4})(\d{3})(.*)$/.exec(rest);
  if (!m) return failure('BAD_FIELDS', offset, 'expected YYMM expiry and a 3-digit service code');
  const month = Number(m[1]!.slice(2));
  if (month < 1 || month > 12) return failure('BAD_EXPIRY', offset + 2, `expiry month ${m[1]!.slice(2)} is not 01-12`);
  return { ok: true, value: { expiry: m[1]!, serviceCode: m[2]!, discretionary: m[3]! } };
}

function checkPan(pan: string, offset: number): Parsed<true> {
  if (!/^\d{8,19}$/.test(pan)) return failure('BAD_PAN', offset, 'the PAN must be 8 to 19 digits');
  if (!luhnValid(pan)) return failure('LUHN', offset, 'the PAN fails the Luhn check');
  return { ok: true, value: true };
}

/** Parses one track 1 including its sentinels, with an optional LRC character after `?`. */
export function parseTrack1(raw: string, offset = 0, options: ParseOptions = {}): Parsed<TrackData> {
  if (!raw.startsWith('%')) return failure('BAD_SENTINEL', offset, 'track 1 must start with %');
  const end = raw.indexOf('?');
  if (end === -1) return failure('TRUNCATED', offset + raw.length, 'track 1 has no end sentinel ?');
  const text = raw.slice(0, end + 1);
  if (text.length > MAX[1]) return failure('TOO_LONG', offset + MAX[1], `track 1 is ${text.length} characters, at most 79`);
  const charset = checkCharset(1, text, offset);
  if (!charset.ok) return charset;
  if (text[1] !== 'B') return failure('BAD_FORMAT_CODE', offset + 1, `format code ${text[1] ?? ''} is not B`);
  const parts = text.slice(2, -1).split('^');
  if (parts.length < 3) return failure('BAD_FIELDS', offset + 2, 'track 1 needs PAN ^ NAME ^ data');
  const [pan = '', name = ''] = parts;
  const panCheck = checkPan(pan, offset + 2);
  if (!panCheck.ok) return panCheck;
  if (name.length < 2 || name.length > 26) return failure('BAD_NAME', offset + 3 + pan.length, 'the name must be 2 to 26 characters');
  const restOffset = offset + 4 + pan.length + name.length;
  const fields = fieldsAfterPan(parts.slice(2).join('^'), restOffset);
  if (!fields.ok) return fields;
  const lrc = lrcOf(1, raw, text, offset, options);
  if (!lrc.ok) return lrc;
  return { ok: true, value: { track: 1, pan, name: name.trim(), ...fields.value, lrc: lrc.value } };
}

/** Parses one track 2 including its sentinels, with an optional LRC character after `?`. */
export function parseTrack2(raw: string, offset = 0, options: ParseOptions = {}): Parsed<TrackData> {
  if (!raw.startsWith(';')) return failure('BAD_SENTINEL', offset, 'track 2 must start with ;');
  const end = raw.indexOf('?');
  if (end === -1) return failure('TRUNCATED', offset + raw.length, 'track 2 has no end sentinel ?');
  const text = raw.slice(0, end + 1);
  if (text.length > MAX[2]) return failure('TOO_LONG', offset + MAX[2], `track 2 is ${text.length} characters, at most 40`);
  const charset = checkCharset(2, text, offset);
  if (!charset.ok) return charset;
  const sep = text.indexOf('=');
  if (sep === -1) return failure('BAD_FIELDS', offset + 1, 'track 2 has no = separator');
  const pan = text.slice(1, sep);
  const panCheck = checkPan(pan, offset + 1);
  if (!panCheck.ok) return panCheck;
  const fields = fieldsAfterPan(text.slice(sep + 1, -1), offset + sep + 1);
  if (!fields.ok) return fields;
  const lrc = lrcOf(2, raw, text, offset, options);
  if (!lrc.ok) return lrc;
  return { ok: true, value: { track: 2, pan, ...fields.value, lrc: lrc.value } };
}

export interface ParseOptions {
  /**
   * Refuse a track without its LRC character. Only then is every single-character corruption
   * detectable: without the LRC, a damaged end sentinel followed by an LRC of `?` reads as a
   * shorter, valid track.
   */
  requireLrc?: boolean;
}

function lrcOf(track: 1 | 2, raw: string, text: string, offset: number, options: ParseOptions): Parsed<'checked' | 'absent'> {
  const next = raw[text.length];
  if (next === undefined) return options.requireLrc ? failure('LRC_MISSING', offset + text.length, 'the track has no LRC character') : { ok: true, value: 'absent' };
  if (raw.length > text.length + 1) return failure('TRAILING_DATA', offset + text.length + 1, `${raw.length - text.length - 1} characters after the LRC`);
  const expected = trackLrc(track, text);
  if (next !== expected) return failure('LRC_MISMATCH', offset + text.length, `LRC is ${JSON.stringify(next)}, the track computes to ${JSON.stringify(expected)}`);
  return { ok: true, value: 'checked' };
}

/**
 * A whole swipe: track 1 and/or track 2, each optionally followed by its LRC. A character right
 * after track 1's `?` is its LRC unless track 2 starts there (`;` followed by PAN digits and `=`).
 */
export function parseSwipe(raw: string): Parsed<Swipe> {
  const swipe: Swipe = {};
  let rest = raw;
  let offset = 0;
  if (rest.startsWith('%')) {
    const end = rest.indexOf('?');
    if (end === -1) return failure('TRUNCATED', rest.length, 'track 1 has no end sentinel ?');
    const track2Next = /^;\d{1,19}=/.test(rest.slice(end + 1));
    const length = end + 1 + (rest.length > end + 1 && !track2Next ? 1 : 0);
    const t1 = parseTrack1(rest.slice(0, length), offset);
    if (!t1.ok) return t1;
    swipe.track1 = t1.value;
    rest = rest.slice(length);
    offset += length;
  }
  if (rest.startsWith(';')) {
    const end = rest.indexOf('?');
    const length = end === -1 ? rest.length : Math.min(rest.length, end + 2);
    const t2 = parseTrack2(rest.slice(0, length), offset);
    if (!t2.ok) return t2;
    swipe.track2 = t2.value;
    rest = rest.slice(length);
    offset += length;
  }
  if (!swipe.track1 && !swipe.track2) return failure('UNREADABLE', 0, 'no track 1 or track 2 start sentinel');
  if (rest.trim() !== '') return failure('TRAILING_DATA', offset, `${rest.length} characters after the last track`);
  if (swipe.track1 && swipe.track2 && swipe.track1.pan !== swipe.track2.pan) return failure('TRACK_MISMATCH', 0, 'track 1 and track 2 carry different PANs');
  return { ok: true, value: swipe };
}

export interface TrackFields {
  pan: string;
  name?: string;
  expiry: string;
  serviceCode: string;
  discretionary?: string;
}

export function buildTrack1(f: TrackFields, withLrc = true): string {
  const text = `%B${f.pan}^${(f.name ?? 'TEST/CARD').toUpperCase()}^${f.expiry}${f.serviceCode}${f.discretionary ?? ''}?`;
  return withLrc ? text + trackLrc(1, text) : text;
}

export function buildTrack2(f: TrackFields, withLrc = true): string {
  const text = `;${f.pan}=${f.expiry}${f.serviceCode}${f.discretionary ?? ''}?`;
  return withLrc ? text + trackLrc(2, text) : text;
}

/** A card is valid through the last day of its expiry month. */
export function isExpired(yymm: string, now: Date): boolean {
  const year = 2000 + Number(yymm.slice(0, 2));
  const month = Number(yymm.slice(2, 4));
  return now.getUTCFullYear() * 12 + now.getUTCMonth() + 1 > year * 12 + month;
}

/** Service code first digit 2 or 6: the card has a chip, which a chip-capable terminal must use. */
export function serviceCodeRequiresChip(serviceCode: string): boolean {
  return serviceCode[0] === '2' || serviceCode[0] === '6';
}
