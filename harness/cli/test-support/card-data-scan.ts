/**
 * The guard behind "no card number anywhere": scans what poshil wrote for card numbers and track
 * data in every encoding evidence could carry them — plain text, hex of the bytes (either case,
 * either alignment), base64, and UTF-16 — independently of the maskers it checks.
 *
 * Two nets: every PAN the run could have seen (the fixtures' and the suites') is searched for as
 * a substring of each view, which also finds it packed as BCD inside hex; and any Luhn-valid
 * 13–19-digit number with a card scheme's first digit that stands alone (not inside a longer run
 * of letters and digits, such as a SHA-256 in hex).
 */
import { luhnValid } from '../../../devices/formats/luhn.js';

export interface Find {
  encoding: string;
  /** What was found, masked, so that a failing test does not print it. */
  found: string;
  offset: number;
}

const TRACK = /[;%]B?[0-9]{12,19}[=^][^?\s]{4}|(?<![0-9A-Za-z])[0-9]{12,19}[=D][0-9]{7}/g;
const PAN = /(?<![0-9A-Za-z])[2-68][0-9]{12,18}(?![0-9A-Za-z])/g;
const HEX_RUN = /[0-9a-fA-F]{26,}/g;
const BASE64_RUN = /[A-Za-z0-9+/]{20,}={0,2}/g;

const masked = (s: string) => s.slice(0, 6) + '…';

export function scanForCardData(content: Buffer, knownPans: readonly string[]): Find[] {
  const views: { encoding: string; text: string }[] = [
    { encoding: 'plain', text: content.toString('latin1') },
    { encoding: 'UTF-16LE', text: content.toString('utf16le') },
    { encoding: 'UTF-16BE', text: utf16be(content) },
  ];
  const plain = views[0]!.text;
  for (const run of plain.matchAll(HEX_RUN)) {
    for (const align of [0, 1]) {
      const bytes = Buffer.from(run[0].slice(align, run[0].length - ((run[0].length - align) % 2)), 'hex');
      views.push({ encoding: 'hex', text: bytes.toString('latin1') }, { encoding: 'hex UTF-16LE', text: bytes.toString('utf16le') }, { encoding: 'hex UTF-16BE', text: utf16be(bytes) });
    }
  }
  for (const run of plain.matchAll(BASE64_RUN)) {
    for (const skip of [0, 1, 2, 3]) views.push({ encoding: 'base64', text: Buffer.from(run[0].slice(skip), 'base64').toString('latin1') });
  }
  const finds: Find[] = [];
  for (const { encoding, text } of views) {
    for (const pan of knownPans) {
      const at = text.indexOf(pan);
      if (at >= 0) finds.push({ encoding, found: `known PAN ${masked(pan)}`, offset: at });
    }
    for (const m of text.matchAll(TRACK)) finds.push({ encoding, found: `track data ${masked(m[0])}`, offset: m.index });
    for (const m of text.matchAll(PAN)) if (luhnValid(m[0])) finds.push({ encoding, found: `card number ${masked(m[0])}`, offset: m.index });
  }
  return finds;
}

function utf16be(bytes: Buffer): string {
  return Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2))).swap16().toString('utf16le');
}
