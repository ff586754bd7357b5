/**
 * An append-only NDJSON file. The lines appended in one turn of the event loop are written
 * together at the end of that turn, in one write(2) made on the event loop. That write lands in
 * the page cache in some microseconds; handing it to libuv's thread pool instead (as an async
 * stream does) cost more CPU than the write, in two thread hops per file per step, and showed in
 * the step latencies a run measures (docs/architecture.md). The file and its folder are made off
 * the event loop, since a bench of 64 terminals opens hundreds of these at once; lines appended
 * meanwhile wait for the open. `flushSync` writes out the rest when the process is being
 * signalled, so a crash, Ctrl-C or kill leaves every finished line on disk. Readers skip a torn
 * last line. A file that cannot be written (a full disk, its folder gone) keeps what it wrote,
 * takes no more lines, and says why in `failure`: the run reports it rather than the process
 * dying of an unhandled error.
 */
import { createHash, type Hash } from 'node:crypto';
import { close, fsync, mkdir, mkdirSync, open, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { forEachLine } from './record-json.js';

export interface NdjsonFileOptions {
  /** Keep a SHA-256 of every byte written (a transcript segment's hash, for the next one's header). */
  hash?: boolean;
}

export class NdjsonFile {
  private fd: number | undefined;
  private readonly opened: Promise<void>;
  /** Lines appended in this turn of the event loop, not yet handed on. */
  private pending = '';
  /** Lines handed on (and hashed) before the file was open. */
  private waiting = '';
  private scheduled = false;
  /** No more lines are taken: `end` was called or a write failed. */
  private ended = false;
  private readonly hash: Hash | undefined;
  /** Bytes appended so far (written or about to be), and lines. */
  bytes = 0;
  lines = 0;
  /** Why writing stopped, when it did. */
  failure: Error | undefined;

  constructor(
    readonly path: string,
    options: NdjsonFileOptions = {},
  ) {
    this.hash = options.hash ? createHash('sha256') : undefined;
    this.opened = new Promise<void>((resolve) => {
      mkdir(dirname(path), { recursive: true }, (mkdirError) => {
        if (mkdirError) return resolve(this.fail(mkdirError));
        open(path, 'a', (openError, fd) => {
          if (openError) return resolve(this.fail(openError));
          // flushSync may have opened the file already, while this open was on its way.
          if (this.fd !== undefined) close(fd, () => undefined);
          else this.fd = fd;
          this.writeOut();
          resolve();
        });
      });
    });
  }

  append(value: unknown): void {
    this.appendLine(JSON.stringify(value));
  }

  /** Appends one line of JSON text as it is (no newline inside). */
  appendLine(json: string): void {
    if (this.ended) return;
    this.pending += json + '\n';
    // Counted on the flat text JSON.stringify made: measuring `json + '\n'` would first copy
    // that joined string flat, for every line of the transcript and the journal.
    this.bytes += Buffer.byteLength(json) + 1;
    this.lines++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.hand());
    }
  }

  /** Hands this turn's lines on: hashed, and written once the file is open. */
  private hand(): void {
    this.scheduled = false;
    if (this.pending === '') return;
    this.hash?.update(this.pending);
    this.waiting += this.pending;
    this.pending = '';
    this.writeOut();
  }

  private writeOut(): void {
    if (this.fd === undefined || this.waiting === '' || this.failure) return;
    const text = this.waiting;
    this.waiting = '';
    try {
      const written = writeSync(this.fd, text);
      // A regular file takes the whole write unless the disk fills up in the middle of it.
      if (written < Buffer.byteLength(text)) {
        const rest = Buffer.from(text);
        for (let at = written; at < rest.length; ) at += writeSync(this.fd, rest, at);
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.ended = true;
    this.pending = '';
    this.waiting = '';
  }

  /** Writes out everything appended, synchronously: for signal handlers and crashes. */
  flushSync(): void {
    if (this.failure) return;
    this.hand();
    if (this.fd === undefined && this.waiting !== '') {
      try {
        mkdirSync(dirname(this.path), { recursive: true });
        this.fd = openSync(this.path, 'a');
      } catch (error) {
        this.fail(error as Error);
        return;
      }
    }
    this.writeOut();
  }

  /** The SHA-256 (hex) of every byte appended, known once `end` was called on a file made with `hash`. */
  sha256: string | undefined;

  private closing: Promise<void> | undefined;

  /** Takes no more lines, writes the rest, and closes the file (after an fsync); every call waits for that. */
  end(): Promise<void> {
    if (!this.ended) {
      this.hand();
      this.ended = true;
      this.sha256 = this.hash?.digest('hex');
    }
    this.closing ??= this.opened.then(() => {
      this.writeOut();
      return this.closeFile();
    });
    return this.closing;
  }

  private async closeFile(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    if (!this.failure) await new Promise<void>((resolve) => fsync(fd, () => resolve()));
    await new Promise<void>((resolve) => close(fd, () => resolve()));
  }
}

/** Reads an NDJSON file, skipping a torn or corrupt line (the last one after a crash). */
export function readNdjson<T>(path: string, map: (entry: T) => T = (e) => e): { entries: T[]; skipped: number } {
  const entries: T[] = [];
  let skipped = 0;
  // A line at a time: a long run's journal is tens of megabytes, never one string.
  forEachLine(path, (line) => {
    if (line.trim() === '') return;
    let entry: T;
    try {
      entry = JSON.parse(line) as T;
    } catch {
      skipped++;
      return;
    }
    entries.push(map(entry));
  });
  return { entries, skipped };
}
