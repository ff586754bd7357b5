/**
 * Card data masked inside a vendor ECR frame by the description's own layout: each text or
 * numeric field on its own (so a PAN field is not run together with the amount beside it), BCD
 * fields that carry a card number (by name or source) as BCD. In place and length-preserving,
 * like every masker in devices/formats/redaction.ts (the frame's checksum then no longer fits
 * the masked bytes). A frame the description does not parse is masked by the best guess.
 */
import type { FrameMasker, MaskedBytes } from '../../formats/card-data.js';
import { ByteMasker, maskCardText, maskUnknownBytes } from '../../formats/redaction.js';
import { checksumBytes } from './checksum.js';
import type { EcrProtocol } from './description.js';
import { decodeMessage } from './message.js';

const CARD_FIELD = /pan|track|card.?number/i;

export function ecrFrameMasker(protocol: EcrProtocol): FrameMasker {
  return {
    text: (text) => ({ ...maskCardText(text), unparsed: `text outside a ${protocol.id} frame` }),
    bytes: (frame) => maskEcrFrame(protocol, frame),
  };
}

export function maskEcrFrame(protocol: EcrProtocol, frame: Uint8Array): MaskedBytes {
  const masker = new ByteMasker(Uint8Array.from(frame));
  if (frame.length <= 1) return { bytes: masker.bytes, spans: [] };
  const { framing } = protocol;
  const at = 1 + framing.length.bytes;
  const size = frame.length - at - 1 - checksumBytes(framing.checksum.type);
  const framed = frame[0] === framing.start && size >= 0 && frame[at + size] === framing.end;
  const decoded = framed ? decodeMessage(protocol, frame.subarray(at, at + size)) : undefined;
  if (!decoded?.ok) {
    maskUnknownBytes(masker);
    return { bytes: masker.bytes, spans: masker.spans, unparsed: `not a ${protocol.id} message` };
  }
  for (const field of decoded.value.fields) {
    const where = `${protocol.id} field ${field.name}`;
    const cardField = CARD_FIELD.test(field.name) || field.source === 'maskedPan';
    if (field.type === 'bcd' && cardField) masker.bcd(at + field.offset, field.width, 'pan', where);
    else if (field.type === 'ascii' || field.type === 'numeric') {
      if (cardField) maskPanField(masker, at + field.offset, field.width, where);
      masker.text(at + field.offset, field.width, where);
    }
  }
  return { bytes: masker.bytes, spans: masker.spans };
}

/**
 * A field the description says holds a card number: whatever its padding (`0004111…`) and
 * whether or not it passes Luhn, its digits but the first six and last four are masked.
 */
function maskPanField(masker: ByteMasker, at: number, width: number, where: string): void {
  const text = Buffer.from(masker.bytes.subarray(at, at + width)).toString('latin1');
  const digits = /[1-9][0-9]*/.exec(text);
  if (!digits || digits[0].length <= 10) return;
  masker.all(at + digits.index + 6, digits[0].length - 10, 'pan', where);
}
