/**
 * An append-only NDJSON file. The lines appended in one turn of the event loop are handed to
 * the OS together at the end of that turn (sonic-boom): one write per turn instead of one per
 * line, which on a step loop over a socket was three writes a step. `flushSync` pushes out the
 * rest when the process is being signalled, so a crash, Ctrl-C or kill leaves every finished
 * line on disk. Readers skip a torn last line. A file that cannot be written (a full disk, its
 * folder gone) keeps what it wrote, takes no more lines, and says why in `failure`: the run
 * reports it rather than the process dying of an unhandled stream error.
 */
import { createHash, type Hash } from 'node:crypto';
import SonicBoomModule from 'sonic-boom';
import { forEachLine } from './record-json.js';

// sonic-boom is CommonJS: its class is the default export at run time.
const SonicBoom = SonicBoomModule as unknown as typeof SonicBoomModule.SonicBoom;
type SonicBoom = InstanceType<typeof SonicBoom>;

export interface NdjsonFileOptions {
  /** Keep a SHA-256 of every byte written (a transcript segment's hash, for the next one's header). */
  hash?: boolean;
}

export class NdjsonFile {
  private readonly stream: SonicBoom;
  private ended = false;
  /** Lines appended in this turn of the event loop, not yet given to the stream. */
  private pending = '';
  private scheduled = false;
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
    // The folder is made off the event loop with the file's open (a bench of 64 terminals opens
    // hundreds of these at once; a blocking mkdir each held every other terminal up).
    this.stream = new SonicBoom({ dest: path, append: true, sync: false, minLength: 0, mkdir: true });
    this.stream.on('error', (error: Error) => {
      this.failure ??= error;
      this.ended = true;
      this.pending = '';
    });
    this.hash = options.hash ? createHash('sha256') : undefined;
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

  /** Gives this turn's lines to the stream. */
  private hand(): void {
    this.scheduled = false;
    if (this.pending === '') return;
    this.hash?.update(this.pending);
    this.stream.write(this.pending);
    this.pending = '';
  }

  /** Writes out everything buffered, synchronously: for signal handlers and crashes. */
  flushSync(): void {
    if (this.ended) return;
    this.hand();
    try {
      this.stream.flushSync();
    } catch {
      // sonic-boom throws when a write is still being opened; the async path finishes it.
    }
  }

  /** The SHA-256 (hex) of every byte appended, known once `end` was called on a file made with `hash`. */
  sha256: string | undefined;

  async end(): Promise<void> {
    if (this.ended) return;
    this.hand();
    this.ended = true;
    this.sha256 = this.hash?.digest('hex');
    await new Promise<void>((resolve) => {
      this.stream.once('close', () => resolve());
      this.stream.once('error', () => resolve());
      this.stream.end();
    });
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
