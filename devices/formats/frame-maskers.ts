/**
 * The frame maskers that need nothing but this module: the bench protocol's NDJSON lines, field
 * by field, and free text. Each has a name by which the evidence thread (which masks transcript
 * entries off the harness's event loop) finds it again. Maskers built from a description (a
 * vendor ECR protocol) or living with their driver (ZVT) have no name; their entries are masked
 * where they are made.
 */
import { maskUnknown, type FrameMasker, type MaskedBytes } from './card-data.js';
import { maskJsonText } from './json-card-data.js';
import { maskCardText } from './redaction.js';

/** NDJSON lines (the bench protocol, the simulator's control channel). */
export const ndjsonFrames: FrameMasker = {
  id: 'ndjson',
  text: maskJsonText,
  bytes: (bytes) => maskLineBytes(bytes, 'binary on an NDJSON link'),
};

/**
 * A line that is not UTF-8 (a garbled byte in it) is kept as bytes: masked as unknown bytes, and
 * also as the line it nearly is, one character per byte, so that the JSON rules (a field named
 * for a card number, `{"pan":"…"}`) still apply to what came through.
 */
function maskLineBytes(bytes: Uint8Array, reason: string): MaskedBytes {
  const masked = maskUnknown(bytes, reason);
  const asText = maskJsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  // Length-preserving, so character i is byte i (a hex or base64 field re-encoded is copied as it came out).
  for (const span of asText.spans) {
    for (let i = span.at; i < span.at + span.length; i++) masked.bytes[i] = asText.text.charCodeAt(i);
    masked.spans.push(span);
  }
  return masked;
}

/** Text by the text rule; bytes by the best guess, marked unparsed for `reason`. */
const freeText = (id: string, reason: string): FrameMasker => ({ id, text: maskCardText, bytes: (bytes) => maskUnknown(bytes, reason) });

/** Free text (operator prompts) and bytes of no known protocol. */
export const plainFrames = freeText('plain', 'binary of no known format');

/** poshil's own notes: its text, which still passes the text rule in case it quotes the terminal. */
export const noteFrames = freeText('notes', 'binary note');

/** Bytes that formed no frame cannot be parsed in the channel's format. */
export const discardedFrames: FrameMasker = {
  id: 'discarded',
  text: (text) => ({ ...maskCardText(text), unparsed: 'bytes that formed no frame' }),
  bytes: (bytes) => maskUnknown(bytes, 'bytes that formed no frame'),
};

const NAMED = new Map([ndjsonFrames, plainFrames, noteFrames, discardedFrames].map((masker) => [masker.id!, masker]));

/** The named masker this is, if it is one (the same object, not merely the same name). */
export function namedMasker(masker: FrameMasker): string | undefined {
  return masker.id !== undefined && NAMED.get(masker.id) === masker ? masker.id : undefined;
}

export function maskerNamed(id: string): FrameMasker {
  const masker = NAMED.get(id);
  if (!masker) throw new Error(`no frame masker named "${id}"`);
  return masker;
}
