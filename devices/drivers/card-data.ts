/**
 * How frames are masked for the transcript: the bench protocol's NDJSON lines field by field,
 * free text by what it looks like (devices/formats/frame-maskers.ts). Binary a protocol does not
 * define is masked by the best guess and marked unparsed. ZVT and vendor ECR frames are masked by
 * their drivers' modules (zvt-terminal.ts, ecr-terminal.ts), which a run loads only for a
 * terminal that speaks them.
 */
export type { FrameMasker } from '../formats/card-data.js';
export { ndjsonFrames, plainFrames } from '../formats/frame-maskers.js';
