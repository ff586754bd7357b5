/**
 * Evidence that grows with a run's length — the transcript, the receipts — is written as a chain
 * of NDJSON segments, `STREAM/00001.ndjson`, `STREAM/00002.ndjson`, …, so that an eight-hour soak
 * leaves a few dozen files of a bounded size instead of one file per receipt or one file of
 * gigabytes. A segment is sealed once it holds `maxBytes`; the first line of every segment is a
 * header naming the run, the segment's number, how many entries came before it, and (from the
 * second on) the previous segment's file, size and SHA-256. The last segment's hash therefore
 * stands for every byte before it: a segment changed, removed, swapped or taken from another run
 * breaks the chain at a named file (`checkChain`, used by `poshil verify`).
 *
 * Each segment is an ordinary append-only NDJSON file: a crash or kill leaves every segment but
 * the last whole, and the last one readable up to its torn last line.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { NdjsonFile } from './ndjson-file.js';
import { forEachLine } from './record-json.js';

/**
 * 64 MiB: ten minutes of transcript of one terminal selling back to back (375 MB an hour on the
 * simulator), so an eight-hour soak leaves about 70 segments; still a file an editor or `jq` opens.
 */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export interface SegmentHeader {
  segment: {
    stream: string;
    /** 1 for the first segment. */
    n: number;
    runId: string;
    /** Entries written before this segment (a transcript's: the first `seq` in it). */
    firstEntry: number;
    /** The segment before this one, as it was sealed. */
    prev?: { file: string; sha256: string; bytes: number };
  };
}

export interface SealedSegment {
  file: string;
  sha256: string;
  bytes: number;
  entries: number;
}

const SEGMENT_NAME = /^(\d+)\.ndjson$/;

export const segmentFile = (stream: string, n: number) => `${stream}/${String(n).padStart(5, '0')}.ndjson`;

export class SegmentedNdjson {
  private current: NdjsonFile;
  private n = 0;
  private entries = 0;
  private firstEntry = 0;
  private readonly closing: Promise<void>[] = [];
  private ended = false;
  /** One line per sealed segment (a few dozen in a long soak), for the end's summary. */
  readonly sealed: SealedSegment[] = [];
  /** Why an earlier segment could not be written, if one could not. */
  private lost: Error | undefined;

  constructor(
    private readonly runDir: string,
    readonly stream: string,
    private readonly runId: string,
    private readonly maxBytes = DEFAULT_SEGMENT_BYTES,
  ) {
    this.current = this.open();
  }

  /** The file now being written, relative to the run folder. */
  get file(): string {
    return segmentFile(this.stream, this.n);
  }

  append(value: unknown): void {
    // After the end nothing is written: no segment may appear behind the sealed chain.
    if (this.ended) return;
    // Rotate before, not after, the line that would cross: a run's last segment is never empty.
    if (this.current.lines > 1 && this.current.bytes >= this.maxBytes) this.rotate();
    this.current.append(value);
    this.entries++;
  }

  /** Writes out everything buffered, synchronously: for signal handlers and crashes. */
  flushSync(): void {
    this.current.flushSync();
  }

  /** Why a segment of the chain could not be written, if one could not. */
  get failure(): Error | undefined {
    return this.lost ?? this.current.failure;
  }

  /** Ends the last segment; resolves with every segment of the chain. */
  async end(): Promise<SealedSegment[]> {
    this.ended = true;
    if (!this.current.sha256) {
      const last = this.current;
      await last.end();
      this.sealed.push(this.seal(last));
    }
    await Promise.all(this.closing);
    return this.sealed;
  }

  private open(prev?: SealedSegment): NdjsonFile {
    this.n++;
    this.firstEntry = this.entries;
    const file = new NdjsonFile(join(this.runDir, segmentFile(this.stream, this.n)), { hash: true });
    const header: SegmentHeader = {
      segment: { stream: this.stream, n: this.n, runId: this.runId, firstEntry: this.firstEntry, ...(prev ? { prev: { file: prev.file, sha256: prev.sha256, bytes: prev.bytes } } : {}) },
    };
    file.append(header);
    return file;
  }

  private seal(file: NdjsonFile): SealedSegment {
    return { file: segmentFile(this.stream, this.n), sha256: file.sha256!, bytes: file.bytes, entries: file.lines - 1 };
  }

  private rotate(): void {
    const old = this.current;
    // end() hashes what was appended at once, so the segment is sealed here; the bytes reach the
    // file as soon as it is open.
    this.closing.push(old.end().then(() => void (this.lost ??= old.failure)));
    const sealed = this.seal(old);
    this.sealed.push(sealed);
    this.current = this.open(sealed);
  }
}

/** The segments of a stream in a run folder, in chain order (relative paths); none in an older layout. */
export function segmentFiles(runDir: string, stream: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(runDir, stream));
  } catch {
    return [];
  }
  return names
    .flatMap((name) => {
      const m = SEGMENT_NAME.exec(name);
      return m ? [{ name, n: Number(m[1]) }] : [];
    })
    .sort((a, b) => a.n - b.n)
    .map(({ name }) => `${stream}/${name}`);
}

function parseHeader(line: string): SegmentHeader['segment'] | undefined {
  try {
    const value = JSON.parse(line) as Partial<SegmentHeader>;
    const s = value?.segment;
    return s && typeof s === 'object' && typeof s.n === 'number' && typeof s.stream === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `entry` for every entry of a stream's segments in order, a line at a time (a segment is
 * never one string): headers and a torn or corrupt line (the last one after a crash) are skipped.
 */
export function forEachSegmentEntry<T>(runDir: string, stream: string, entry: (value: T, file: string) => void, files = segmentFiles(runDir, stream)): void {
  for (const file of files) {
    let first = true;
    forEachLine(join(runDir, file), (line) => {
      const isFirst = first;
      first = false;
      if (line.trim() === '') return;
      if (isFirst && parseHeader(line)) return;
      let value: T;
      try {
        value = JSON.parse(line) as T;
      } catch {
        return;
      }
      entry(value, file);
    });
  }
}

/** What the chain check needs of one segment file: its bytes' hash, its size, its header and line count. */
export interface SegmentFacts {
  sha256: string;
  bytes: number;
  lines: number;
  header: SegmentHeader['segment'] | undefined;
}

export function segmentFacts(data: Buffer): SegmentFacts {
  let lines = 0;
  for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, at + 1)) lines++;
  const firstEnd = data.indexOf(0x0a);
  const header = parseHeader(data.subarray(0, firstEnd === -1 ? data.length : firstEnd).toString('utf8'));
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length, lines, header };
}

/**
 * Checks that `files` (a stream's segments, in the order the manifest lists them) form one
 * unbroken chain: numbered 1, 2, 3… each following the one before, all of one run, each counting the entries before it, and each
 * header giving the size and SHA-256 its predecessor has now. Returns one problem per broken
 * link, naming the file; `facts` gives each file's facts (undefined: the file is missing).
 * `expectedRunId` (the run a certificate names) decides which segment is the stranger: without
 * it, a first segment swapped in from another run would make every genuine one after it look foreign.
 */
export function checkChain(stream: string, files: readonly string[], facts: (file: string) => SegmentFacts | undefined, expectedRunId?: string): string[] {
  const problems: string[] = [];
  // The run the segments must come from: the one the certificate names, else the first segment's.
  let runId = expectedRunId;
  let before: { file: string; n: number; facts: SegmentFacts; entries: number; firstEntry: number } | undefined;
  files.forEach((file, i) => {
    const f = facts(file);
    if (!f) {
      problems.push(`${file}: missing, so the ${stream} chain is broken there`);
      before = undefined;
      return;
    }
    const h = f.header;
    if (!h) {
      problems.push(`${file}: has no segment header (not a ${stream} segment, or its first line was changed)`);
      before = undefined;
      return;
    }
    runId ??= h.runId;
    const wrong: string[] = [];
    if (h.stream !== stream) wrong.push(`it belongs to the ${h.stream} stream`);
    // Against the segment before it, so that one segment taken out is one broken link, not a shift of all after it.
    if (i === 0 && h.n !== 1) wrong.push(`it is segment ${h.n}, not the first (segments removed or reordered)`);
    else if (i > 0 && before && h.n !== before.n + 1) wrong.push(`it is segment ${h.n} but follows segment ${before.n} (segments removed or reordered)`);
    else if (i > 0 && !before && h.n !== i + 1) wrong.push(`it is segment ${h.n} but stands at place ${i + 1} (segments removed or reordered)`);
    if (h.runId !== runId) wrong.push(`it comes from run ${h.runId}, not ${runId}`);
    if (i === 0 && h.prev) wrong.push(`it names a segment before it (${h.prev.file}), so earlier segments are missing`);
    if (i > 0 && !h.prev) wrong.push('it names no segment before it');
    if (i > 0 && h.prev && before) {
      const p = h.prev;
      // By content, not by name: segments renamed in order still chain; the name is only where the header last saw it.
      if (p.sha256 !== before.facts.sha256 || p.bytes !== before.facts.bytes) {
        wrong.push(`${before.file} is not the segment that was sealed before it (its SHA-256 or size differs from this header's${p.file !== before.file ? `, which names ${p.file}` : ''})`);
        // The entry count of a segment that is not the one sealed here says nothing more.
      } else if (h.firstEntry !== before.firstEntry + before.entries) wrong.push(`it starts at entry ${h.firstEntry}, but the segments before it hold ${before.firstEntry + before.entries}`);
    }
    if (i === 0 && h.firstEntry !== 0) wrong.push(`it starts at entry ${h.firstEntry}, not 0 (earlier segments are missing)`);
    if (wrong.length) problems.push(`${file}: the ${stream} chain is broken: ${wrong.join('; ')}`);
    before = { file, n: h.n, facts: f, entries: f.lines - 1, firstEntry: h.firstEntry };
  });
  return problems;
}

/** Reads a segment whole: for verify, where a segment is at most the segment size. */
export function readSegmentFacts(runDir: string, file: string): SegmentFacts | undefined {
  try {
    return segmentFacts(readFileSync(join(runDir, file)));
  } catch {
    return undefined;
  }
}

/** The header of a segment file, read from its first line alone; undefined when it has none. */
export function readSegmentHeader(runDir: string, file: string): SegmentHeader['segment'] | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(join(runDir, file), 'r');
    const block = Buffer.alloc(16 * 1024);
    const n = readSync(fd, block, 0, block.length, 0);
    const end = block.subarray(0, n).indexOf(0x0a);
    return parseHeader(block.subarray(0, end === -1 ? n : end).toString('utf8'));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
