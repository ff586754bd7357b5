/**
 * How each protocol's frames are masked for the transcript: the bench protocol's NDJSON lines
 * field by field, ZVT APDUs by their BMPs. Binary a protocol does not define is masked by the
 * best guess and marked unparsed.
 */
import { maskUnknown, type FrameMasker } from '../formats/card-data.js';
import { maskJsonText } from '../formats/json-card-data.js';
import { maskCardText } from '../formats/redaction.js';
import { maskZvtApdu } from '../protocols/zvt/card-data.js';

export type { FrameMasker } from '../formats/card-data.js';

/** NDJSON lines (the bench protocol, the simulator's control channel). */
export const ndjsonFrames: FrameMasker = {
  text: maskJsonText,
  bytes: (bytes) => maskUnknown(bytes, 'binary on an NDJSON link'),
};

export const zvtFrames: FrameMasker = {
  text: (text) => ({ ...maskCardText(text), unparsed: 'text on a ZVT link' }),
  bytes: maskZvtApdu,
};

/** Free text (notes, operator prompts) and bytes of no known protocol. */
export const plainFrames: FrameMasker = {
  text: maskCardText,
  bytes: (bytes) => maskUnknown(bytes, 'binary of no known format'),
};

/** A vendor ECR protocol's frames, masked by its description's field layout. */
export { ecrFrameMasker as ecrFrames } from '../protocols/ecr/card-data.js';
