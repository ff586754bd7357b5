/**
 * How frames are masked for the transcript: the bench protocol's NDJSON lines field by field,
 * free text by what it looks like. Binary a protocol does not define is masked by the best guess
 * and marked unparsed. ZVT and vendor ECR frames are masked by their drivers' modules
 * (zvt-terminal.ts, ecr-terminal.ts), which a run loads only for a terminal that speaks them.
 */
import { maskUnknown, type FrameMasker } from '../formats/card-data.js';
import { maskJsonText } from '../formats/json-card-data.js';
import { maskCardText } from '../formats/redaction.js';

export type { FrameMasker } from '../formats/card-data.js';

/** NDJSON lines (the bench protocol, the simulator's control channel). */
export const ndjsonFrames: FrameMasker = {
  text: maskJsonText,
  bytes: (bytes) => maskUnknown(bytes, 'binary on an NDJSON link'),
};

/** Free text (notes, operator prompts) and bytes of no known protocol. */
export const plainFrames: FrameMasker = {
  text: maskCardText,
  bytes: (bytes) => maskUnknown(bytes, 'binary of no known format'),
};
