/** What `poshil decode` prints: the decoded structure of a format, card data masked. */
import { parseEmvQr } from './emv-qr.js';
import { decodeEscPos } from './escpos.js';
import { maskPan } from './pan.js';
import { failure, type Parsed } from './result.js';
import { parseTlv } from './tlv.js';
import { parseSwipe, type TrackData } from './track.js';

export const DECODABLE = ['track', 'qr', 'tlv', 'escpos'] as const;
export type Decodable = (typeof DECODABLE)[number];

export function hexToBytes(text: string): Parsed<Uint8Array> {
  const hex = text.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return failure('BAD_HEX', 0, 'expected hex digits in pairs (spaces allowed)');
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
