/**
 * Text as a person reads it on a receipt or a display, for the card-data rules (redaction.ts):
 * a digit of another script is a digit, another script's space or dash a separator, and a
 * character that shows nothing is not there.
 */

/**
 * How the rules read a character that is not ASCII (redaction.ts): a digit of another script as
 * its ASCII digit, a space or dash of another script as a space, one that shows nothing as -1
 * (left out). Unicode's decimal digits (Nd) come in runs of ten from their zero; the spaces (Zs),
 * dashes (Pd) and format characters (Cf) are those of the Basic Multilingual Plane in Unicode 17
 * (redaction.test.ts checks the tables against the running Node's Unicode data).
 */
const READ_AS = new Map<number, number>();
const DIGIT_ZEROS = [0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10];
const SPACES_AND_DASHES: [number, number?][] = [[0x1680], [0x2000, 0x200a], [0x202f], [0x205f], [0x3000], [0x58a], [0x5be], [0x1400], [0x1806], [0x2010, 0x2015], [0x2e17], [0x2e1a], [0x2e3a, 0x2e3b], [0x2e40], [0x2e5d], [0x301c], [0x3030], [0x30a0], [0xfe31, 0xfe32], [0xfe58], [0xfe63], [0xff0d], [0x2212], [0xff0e, 0xff0f], [0x2044], [0x2215]];
const SHOWS_NOTHING: [number, number?][] = [[0xad], [0x600, 0x605], [0x61c], [0x6dd], [0x70f], [0x890, 0x891], [0x8e2], [0x180e], [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x2064], [0x2066, 0x206f], [0xfeff], [0xfff9, 0xfffb]];
for (const zero of DIGIT_ZEROS) for (let d = 0; d < 10; d++) READ_AS.set(zero + d, 0x30 + d);
for (const [from, to = from] of SPACES_AND_DASHES) for (let c = from; c <= to; c++) READ_AS.set(c, 0x20);
for (const [from, to = from] of SHOWS_NOTHING) for (let c = from; c <= to; c++) READ_AS.set(c, -1);

const MAY_READ_OTHERWISE = /[^\x00-\xac]/;

/**
 * The text as a person reads it (READ_AS), and the positions in `text` of the characters it
 * leaves out; undefined when that is `text` itself (the usual case).
 */
export function readAsPrinted(text: string): { text: string; removed: number[] } | undefined {
  // Most text is ASCII: a regular expression finds that out faster than a loop of charCodeAt.
  let i = text.search(MAY_READ_OTHERWISE);
  if (i < 0) return undefined;
  let read = '';
  let from = 0;
  const removed: number[] = [];
  for (; i < text.length; i++) {
    const as = READ_AS.get(text.charCodeAt(i));
    if (as === undefined) continue;
    read += text.slice(from, i);
    if (as < 0) removed.push(i);
    else read += String.fromCharCode(as);
    from = i + 1;
  }
  if (from === 0) return undefined;
  return { text: read + text.slice(from), removed };
}

/** Where each character of a text as read (readAsPrinted) stands in the text it was read from. */
export function positionsInText(length: number, removed: readonly number[]): number[] {
  const at: number[] = [];
  let skip = 0;
  for (let k = 0, i = 0; k < length; k++, i++) {
    while (skip < removed.length && removed[skip] === i) (skip++, i++);
    at.push(i);
  }
  return at;
}
