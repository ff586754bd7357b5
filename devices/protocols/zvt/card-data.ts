/**
 * Card data masked inside a ZVT APDU where the protocol puts it: BMP 22 (PAN, BCD), 23/24/2D
 * (track 2, 3 and 1 data), EMV objects in the TLV container (BMP 06), and the text of print
 * lines, print text blocks and text fields. In place and length-preserving, like every masker
 * in devices/formats/redaction.ts; a frame that is not a whole APDU, or whose fields poshil
 * cannot size, is masked by the best guess and says so.
 */
import { maskTlvIn, type MaskedBytes } from '../../formats/card-data.js';
import { ByteMasker, maskUnknownBytes, printableRuns } from '../../formats/redaction.js';
import { apduLength } from './apdu.js';
import { walkFields } from './bmp.js';
import { readStatusCompletion } from './messages.js';

/** Bytes some commands carry before their BMPs (password, status byte, …): tried in this order. */
const PREFIXES = [0, 1, 2, 3, 4, 5, 6];

export function maskZvtApdu(frame: Uint8Array): MaskedBytes {
  const masker = new ByteMasker(Uint8Array.from(frame));
  if (frame.length <= 3 && (frame.length < 3 || frame[2] === 0)) return { bytes: masker.bytes, spans: [] };
  const length = apduLength(frame);
  if (!length?.ok || length.value !== frame.length) {
    maskUnknownBytes(masker);
    return { bytes: masker.bytes, spans: masker.spans, unparsed: 'not a whole ZVT APDU' };
  }
  const start = frame[2] === 0xff ? 5 : 3;
  if (frame[0] === 0x06 && frame[1] === 0xd1) {
    masker.text(start + 1, frame.length - start - 1, 'ZVT print line');
    return { bytes: masker.bytes, spans: masker.spans };
  }
  // The status enquiry's Completion: software version (LLL text), status byte, then BMPs (messages.ts).
  const status = frame[0] === 0x06 && frame[1] === 0x0f ? readStatusCompletion(frame.subarray(start)) : undefined;
  if (status) {
    const bmps = start + 3 + status.softwareVersion.length + 1;
    masker.text(start + 3, status.softwareVersion.length, 'ZVT software version');
    if (walkFields(frame, () => undefined, bmps) === frame.length) {
      walkFields(frame, (tag, at, size, format) => maskField(masker, tag, at, size, format.kind), bmps);
      return { bytes: masker.bytes, spans: masker.spans };
    }
  }
  for (const prefix of PREFIXES) {
    if (start + prefix > frame.length) break;
    if (walkFields(frame, () => undefined, start + prefix) !== frame.length) continue;
    walkFields(frame, (tag, at, size, format) => maskField(masker, tag, at, size, format.kind), start + prefix);
    return { bytes: masker.bytes, spans: masker.spans };
  }
  maskUnknownBytes(masker, start);
  return { bytes: masker.bytes, spans: masker.spans, unparsed: 'ZVT fields poshil cannot size' };
}

function maskField(masker: ByteMasker, tag: number, at: number, size: number, kind: string): void {
  const where = `ZVT BMP ${tag.toString(16).toUpperCase().padStart(2, '0')}`;
  if (tag === 0x22) masker.bcd(at, size, 'pan', where);
  else if (tag === 0x23) masker.all(at, size, 'track2', where);
  else if (tag === 0x24) masker.all(at, size, 'track3', where);
  else if (tag === 0x2d) masker.all(at, size, 'track1', where);
  else if (kind === 'tlv') {
    // Print text blocks and other texts travel as text objects inside the container.
    if (maskTlvIn(masker, at, size) !== undefined) maskUnknownBytes(masker, at, at + size);
    for (const run of printableRuns(masker.bytes, at, at + size)) masker.text(run.at, run.length, `${where} text`);
  } else if (kind === 'ascii' || kind === 'llvar' || kind === 'lllvar') masker.text(at, size, where);
}
