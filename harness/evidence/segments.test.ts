import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkChain, forEachSegmentEntry, readSegmentFacts, readSegmentHeader, SegmentedNdjson, segmentFiles } from './segments.js';
import { sha256 } from './manifest.js';

const root = mkdtempSync(join(tmpdir(), 'poshil-segments-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let made = 0;
const freshDir = () => join(root, `run-${++made}`);

async function write(dir: string, entries: readonly unknown[], maxBytes: number, runId = 'run-1') {
  const file = new SegmentedNdjson(dir, 'transcript', runId, maxBytes);
  for (const e of entries) file.append(e);
  return file.end();
}

const entry = (seq: number, text = 'x'.repeat(40)) => ({ seq, text });
const read = (dir: string) => {
  const got: unknown[] = [];
  forEachSegmentEntry(dir, 'transcript', (e) => got.push(e));
  return got;
};
const chainOf = (dir: string, files = segmentFiles(dir, 'transcript')) => checkChain('transcript', files, (f) => readSegmentFacts(dir, f));

describe('SegmentedNdjson', () => {
  it('takes a folder it cannot write to as a failure to report, not a crash', async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    // A file where the stream's folder would go: the folder cannot be made.
    writeFileSync(join(dir, 'transcript'), 'in the way');
    const file = new SegmentedNdjson(dir, 'transcript', 'run-1', 1024);
    file.append(entry(1));
    await file.end();
    expect(file.failure?.message).toMatch(/(EEXIST|ENOTDIR).*transcript/);
    file.append(entry(2));
  });

  it('rotates past the size, chains each header to the sealed segment before it, and reads back every entry in order', async () => {
    const dir = freshDir();
    const entries = Array.from({ length: 200 }, (_, i) => entry(i));
    const sealed = await write(dir, entries, 1024);
    const files = segmentFiles(dir, 'transcript');
    expect(files.length).toBeGreaterThan(5);
    expect(sealed.map((s) => s.file)).toEqual(files);
    expect(files[0]).toBe('transcript/00001.ndjson');
    for (const [i, s] of sealed.entries()) {
      const bytes = readFileSync(join(dir, s.file));
      expect(sha256(bytes), s.file).toBe(s.sha256);
      expect(bytes.length).toBe(s.bytes);
      const header = readSegmentHeader(dir, s.file)!;
      expect(header).toMatchObject({ stream: 'transcript', n: i + 1, runId: 'run-1' });
      if (i === 0) expect(header.prev).toBeUndefined();
      else expect(header.prev).toEqual({ file: sealed[i - 1]!.file, sha256: sealed[i - 1]!.sha256, bytes: sealed[i - 1]!.bytes });
      // Sealed at the first line past the size, never before it.
      if (i < sealed.length - 1) expect(s.bytes).toBeGreaterThanOrEqual(1024);
    }
    expect(read(dir)).toEqual(entries);
    expect(chainOf(dir)).toEqual([]);
  });

  it('writes nothing after its end, so no segment appears behind the sealed chain', async () => {
    const dir = freshDir();
    const file = new SegmentedNdjson(dir, 'transcript', 'run-1', 256);
    for (let i = 0; i < 20; i++) file.append(entry(i));
    const sealed = await file.end();
    for (let i = 20; i < 40; i++) file.append(entry(i));
    expect(await file.end()).toEqual(sealed);
    expect(segmentFiles(dir, 'transcript')).toEqual(sealed.map((s) => s.file));
    expect(read(dir)).toHaveLength(20);
  });

  it('reads back whatever the sizes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', maxLength: 300 }), { maxLength: 60 }), fc.integer({ min: 64, max: 2048 }), async (texts, maxBytes) => {
        const dir = freshDir();
        const entries = texts.map((t, i) => entry(i, t));
        await write(dir, entries, maxBytes);
        expect(read(dir)).toEqual(entries);
        expect(chainOf(dir)).toEqual([]);
        const total = segmentFiles(dir, 'transcript').reduce((n, f) => n + (readSegmentFacts(dir, f)!.lines - 1), 0);
        expect(total).toBe(entries.length);
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 25 },
    );
  });

  it('numbers segments past 99,999 in order (numeric, not lexical)', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'transcript'), { recursive: true });
    for (const n of [100000, 10, 2, 1]) appendFileSync(join(dir, 'transcript', `${String(n).padStart(5, '0')}.ndjson`), '');
    appendFileSync(join(dir, 'transcript', 'notes.txt'), '');
    expect(segmentFiles(dir, 'transcript')).toEqual(['transcript/00001.ndjson', 'transcript/00002.ndjson', 'transcript/00010.ndjson', 'transcript/100000.ndjson']);
  });
});

describe('checkChain', () => {
  async function chain(): Promise<{ dir: string; files: string[] }> {
    const dir = freshDir();
    await write(dir, Array.from({ length: 120 }, (_, i) => entry(i)), 800);
    return { dir, files: segmentFiles(dir, 'transcript') };
  }

  it('names the segment after a byte flipped in a middle segment', async () => {
    const { dir, files } = await chain();
    const middle = files[Math.floor(files.length / 2)]!;
    const bytes = readFileSync(join(dir, middle));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(join(dir, middle), bytes);
    const next = files[files.indexOf(middle) + 1]!;
    expect(chainOf(dir, files)).toEqual([`${next}: the transcript chain is broken: ${middle} is not the segment that was sealed before it (its SHA-256 or size differs from this header's)`]);
  });

  it('names the place where a segment was removed, whether the rest keep their names or are renumbered', async () => {
    const { dir, files } = await chain();
    const gone = files[2]!;
    rmSync(join(dir, gone));
    expect(chainOf(dir, files)).toEqual([`${gone}: missing, so the transcript chain is broken there`]);
    // Renumbered so that no name is missing: the header of the one now at place 3 gives it away.
    const rest = files.slice(3);
    rest.forEach((f, i) => renameSync(join(dir, f), join(dir, files[2 + i]!)));
    const problems = chainOf(dir, files.slice(0, -1));
    expect(problems[0]).toMatch(new RegExp(`^${files[2]!.replace('.', '\\.')}: the transcript chain is broken: it is segment 4 but follows segment 2`));
    expect(problems).toHaveLength(1);
  });

  it('names swapped segments and a first segment taken away', async () => {
    const { dir, files } = await chain();
    const [a, b] = [files[1]!, files[2]!];
    renameSync(join(dir, a), join(dir, 'tmp'));
    renameSync(join(dir, b), join(dir, a));
    renameSync(join(dir, 'tmp'), join(dir, b));
    const problems = chainOf(dir, files);
    expect(problems.some((p) => p.startsWith(`${a}: the transcript chain is broken: it is segment 3 but follows segment 1`))).toBe(true);
    expect(problems.some((p) => p.startsWith(`${b}: the transcript chain is broken: it is segment 2 but follows segment 3`))).toBe(true);
    expect(chainOf(dir, files.slice(1))[0]).toMatch(/it is segment \d+, not the first.*names a segment before it.*not 0/);
  });

  it('names a segment from another run spliced in', async () => {
    const { dir, files } = await chain();
    const other = freshDir();
    await write(other, Array.from({ length: 120 }, (_, i) => entry(i)), 800, 'run-2');
    writeFileSync(join(dir, files[3]!), readFileSync(join(other, files[3]!)));
    expect(chainOf(dir, files).some((p) => p.startsWith(`${files[3]}: the transcript chain is broken: it comes from run run-2, not run-1`))).toBe(true);
  });

  it('a torn last line (a kill mid-segment) is skipped; the sealed links stay whole', async () => {
    const { dir, files } = await chain();
    const last = files.at(-1)!;
    appendFileSync(join(dir, last), '{"seq":120,"text":"cut sho');
    const got = read(dir) as { seq: number }[];
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(chainOf(dir, files)).toEqual([]);
  });
});
