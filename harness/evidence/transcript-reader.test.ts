import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SegmentedNdjson } from './segments.js';
import { Transcript } from './transcript.js';
import { readTranscript, transcriptFileOf, transcriptFiles, transcriptLocation } from './transcript-reader.js';

const root = mkdtempSync(join(tmpdir(), 'poshil-transcript-reader-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('reading a transcript', () => {
  it('follows the segments a transcript wrote, and names the segment of an entry', async () => {
    const dir = join(root, 'new');
    const file = new SegmentedNdjson(dir, 'transcript', 'run-1', 1024);
    const transcript = new Transcript(file);
    for (let i = 0; i < 100; i++) transcript.tap('link').frame(i % 2 ? 'rx' : 'tx', `{"id":${i},"op":"status"}`);
    const sealed = await file.end();
    expect(sealed.length).toBeGreaterThan(3);
    expect(transcriptFiles(dir)).toEqual(sealed.map((s) => s.file));
    expect(transcriptLocation(dir)).toBe('transcript/');
    const entries = readTranscript(dir);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const fileOf = transcriptFileOf(dir);
    let first = 0;
    for (const s of sealed) {
      expect(fileOf(first)).toBe(s.file);
      first += s.entries;
      expect(fileOf(first - 1)).toBe(s.file);
    }
  });

  it('reads the single transcript.ndjson of an older run, torn last line and all', () => {
    const dir = join(root, 'old');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'transcript.ndjson'), '{"seq":0,"ms":1,"channel":"link","dir":"tx","text":"a"}\n{"seq":1,"ms":2,"channel":"link","dir":"rx","text":"b"}\n{"seq":2,"ms":3,"chan');
    expect(transcriptFiles(dir)).toEqual(['transcript.ndjson']);
    expect(transcriptLocation(dir)).toBe('transcript.ndjson');
    expect(readTranscript(dir).map((e) => e.text)).toEqual(['a', 'b']);
    expect(transcriptFileOf(dir)(1)).toBe('transcript.ndjson');
  });
});
