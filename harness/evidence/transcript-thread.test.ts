import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ndjsonFrames } from '../../devices/formats/frame-maskers.js';
import type { FrameMasker } from '../../devices/formats/card-data.js';
import { packageRoot } from '../core/paths.js';
import { checkChain, forEachSegmentEntry, readSegmentFacts, SegmentedNdjson, segmentFiles } from './segments.js';
import { Transcript, type EntrySink } from './transcript.js';

// The thread runs compiled code (a worker cannot load TypeScript): the build's module, as the CLI runs it.
const { TranscriptThread } = (await import(pathToFileURL(join(packageRoot(), 'dist/harness/evidence/transcript-thread.js')).href)) as typeof import('./transcript-thread.js');

const root = mkdtempSync(join(tmpdir(), 'poshil-transcript-thread-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let made = 0;
const freshDir = () => join(root, `run-${++made}`);

const PAN = '4111111111111111';
/** A masker the thread does not know by name: its entries are masked where they are made. */
const vendorFrames: FrameMasker = { text: (text) => ({ text: text.replace(/[0-9]/g, '#'), spans: [] }), bytes: (bytes) => ({ bytes, spans: [] }) };

function exchange(transcript: Transcript): void {
  const link = transcript.tap('link', ndjsonFrames);
  const vendor = transcript.tap('vendor', vendorFrames);
  for (let i = 0; i < 200; i++) {
    link.frame('tx', `{"id":${i},"op":"sale","args":{"amount":${i}}}`);
    link.frame('rx', `{"event":"card.read","data":{"pan":"${PAN}","track":";${PAN}=30121010000000000000?"}}`);
    link.frame('rx', new Uint8Array([0x02, 0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x03]));
    link.discarded('rx', Buffer.from(`junk ${PAN}`), 'no frame');
    vendor.frame('rx', `amount ${i}`);
    transcript.note('runner', `step ${i} of card ${PAN}`);
  }
}

const withoutTimes = (dir: string) => {
  const entries: unknown[] = [];
  forEachSegmentEntry(dir, 'transcript', (e) => entries.push({ ...(e as object), ms: 0 }));
  return entries;
};

describe('TranscriptThread', () => {
  it('writes the segments the run would write itself, masked, in order', async () => {
    const here = freshDir();
    const there = freshDir();
    const own = new SegmentedNdjson(here, 'transcript', 'run-1', 16 * 1024);
    exchange(new Transcript(own));
    await own.end();
    const thread = new TranscriptThread();
    try {
      const file = thread.file(there, 'transcript', 'run-1', 16 * 1024);
      exchange(new Transcript(file));
      const sealed = await file.end();
      expect(file.failure).toBeUndefined();
      expect(sealed.map((s) => s.file)).toEqual(segmentFiles(here, 'transcript'));
      expect(withoutTimes(there)).toEqual(withoutTimes(here));
      expect(sealed.length).toBeGreaterThan(1);
      expect(checkChain('transcript', segmentFiles(there, 'transcript'), (f) => readSegmentFacts(there, f))).toEqual([]);
      expect(JSON.stringify(withoutTimes(there))).not.toContain(PAN);
    } finally {
      await thread.close();
    }
  });

  it('has every entry given so far on disk when flushSync returns (a second Ctrl-C)', async () => {
    const dir = freshDir();
    const thread = new TranscriptThread();
    try {
      // The thread is up (its boot is not what flushSync's wait is for).
      await thread.file(freshDir(), 'transcript', 'run-0').end();
      const transcript = new Transcript(thread.file(dir, 'transcript', 'run-1'));
      exchange(transcript);
      thread.flushSync();
      expect(withoutTimes(dir)).toHaveLength(transcript.next);
    } finally {
      await thread.close();
    }
  });

  it('fails the transcripts still open when the thread ends, and they end at once', async () => {
    const thread = new TranscriptThread();
    const file = thread.file(freshDir(), 'transcript', 'run-1');
    new Transcript(file).note('runner', 'one');
    await thread.close();
    await expect(file.end()).resolves.toEqual([]);
    expect(file.failure?.message).toMatch(/the transcript thread ended/);
    const late = thread.file(freshDir(), 'transcript', 'run-2');
    expect(late.failure?.message).toMatch(/the transcript thread ended/);
  });
});

describe('Transcript with a sink that masks', () => {
  it('hands named maskers’ entries over raw and masks them for an excerpt', () => {
    const raw: unknown[] = [];
    const masked: unknown[] = [];
    const sink: EntrySink & { appendRaw(e: unknown): void } = { append: (e) => masked.push(e), appendRaw: (e) => raw.push(e) };
    const transcript = new Transcript(sink);
    transcript.tap('link', ndjsonFrames).frame('rx', `{"pan":"${PAN}"}`);
    transcript.tap('vendor', vendorFrames).frame('rx', 'amount 12');
    expect(raw).toEqual([expect.objectContaining({ seq: 0, content: `{"pan":"${PAN}"}`, masker: 'ndjson' })]);
    expect(masked).toEqual([expect.objectContaining({ seq: 1, text: 'amount ##' })]);
    expect(transcript.excerpt(0, 2).map((e) => e.text)).toEqual(['{"pan":"411111******1111"}', 'amount ##']);
  });
});
