/**
 * Reads a run's transcript in either layout: the chain of segments `transcript/NNNNN.ndjson`
 * that poshil writes now, or the single `transcript.ndjson` of older runs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TranscriptEntry } from '../core/record.js';
import { forEachLine } from './record-json.js';
import { forEachSegmentEntry, readSegmentHeader, segmentFiles } from './segments.js';

export const TRANSCRIPT_STREAM = 'transcript';
/** The transcript file of runs written before it was split into segments. */
export const SINGLE_TRANSCRIPT = 'transcript.ndjson';

/** The transcript's files, relative to the run folder, in order (none when the run kept none). */
export function transcriptFiles(runDir: string): string[] {
  const segments = segmentFiles(runDir, TRANSCRIPT_STREAM);
  if (segments.length > 0) return segments;
  return existsSync(join(runDir, SINGLE_TRANSCRIPT)) ? [SINGLE_TRANSCRIPT] : [];
}

/** Where a reader should look for the transcript: the segments' folder, or the single file. */
export function transcriptLocation(runDir: string): string {
  return segmentFiles(runDir, TRANSCRIPT_STREAM).length > 0 || !existsSync(join(runDir, SINGLE_TRANSCRIPT)) ? `${TRANSCRIPT_STREAM}/` : SINGLE_TRANSCRIPT;
}

/** Every transcript entry of a run, in order, a line at a time; a torn last line is skipped. */
export function forEachTranscriptEntry(runDir: string, entry: (e: TranscriptEntry, file: string) => void): void {
  const segments = segmentFiles(runDir, TRANSCRIPT_STREAM);
  if (segments.length > 0) return forEachSegmentEntry<TranscriptEntry>(runDir, TRANSCRIPT_STREAM, entry, segments);
  const single = join(runDir, SINGLE_TRANSCRIPT);
  if (!existsSync(single)) return;
  forEachLine(single, (line) => {
    if (line.trim() === '') return;
    try {
      entry(JSON.parse(line) as TranscriptEntry, SINGLE_TRANSCRIPT);
    } catch {
      // a torn last line after a crash
    }
  });
}

/** All entries in memory: for tests and small runs only. */
export function readTranscript(runDir: string): TranscriptEntry[] {
  const all: TranscriptEntry[] = [];
  forEachTranscriptEntry(runDir, (e) => all.push(e));
  return all;
}

/**
 * Which file holds the transcript entry `seq`: the segment whose header starts at or before it
 * (the single transcript.ndjson of an older run holds them all). For evidence references.
 */
export function transcriptFileOf(runDir: string): (seq: number) => string {
  const segments = segmentFiles(runDir, TRANSCRIPT_STREAM).map((file) => ({ file, first: readSegmentHeader(runDir, file)?.firstEntry ?? 0 }));
  if (segments.length === 0) return () => SINGLE_TRANSCRIPT;
  return (seq) => [...segments].reverse().find((s) => s.first <= seq)?.file ?? segments[0]!.file;
}
