/** What `poshil decode` prints: the decoded structure of a format, card data masked. */
import { parseEmvQr } from './emv-qr.js';
import { decodeEscPos } from './escpos.js';
import { maskPan } from './pan.js';
import { failure, type Parsed } from './result.js';
import { parseTlv } from './tlv.js';
import { parseSwipe, type TrackData } from './track.js';
import type { Decodable } from './decodable.js';

export { DECODABLE, type Decodable } from './decodable.js';

export function hexToBytes(text: string): Parsed<Uint8Array> {
  const bad = /[^\s:0-9a-fA-F]/.exec(text);
  if (bad) return failure('BAD_HEX', bad.index, `expected hex digits (spaces allowed), found ${JSON.stringify(bad[0])} at character ${bad.index + 1}`);
  const hex = text.replace(/[\s:]/g, '');
  if (hex.length % 2 !== 0) return failure('BAD_HEX', text.length, `expected hex digits in pairs, found an odd number (${hex.length})`);
  return { ok: true, value: Uint8Array.from(Buffer.from(hex, 'hex')) };
}

function maskTrack(t: TrackData | undefined) {
  return t ? { ...t, pan: maskPan(t.pan), discretionary: t.discretionary ? '[redacted]' : '' } : undefined;
}

export function decodeForDisplay(kind: Decodable, input: string): Parsed<unknown> {
  switch (kind) {
    case 'track': {
      const swipe = parseSwipe(input);
      return swipe.ok ? { ok: true, value: { track1: maskTrack(swipe.value.track1), track2: maskTrack(swipe.value.track2) } } : swipe;
    }
    case 'qr':
      return parseEmvQr(input.trim());
    case 'tlv': {
      const bytes = hexToBytes(input);
      return bytes.ok ? parseTlv(bytes.value) : bytes;
    }
    case 'escpos': {
      const bytes = hexToBytes(input);
      return bytes.ok ? decodeEscPos(bytes.value) : bytes;
    }
  }
}
