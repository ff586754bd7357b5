/**
 * The transcripts of a bench's runs, masked and written on a thread of their own. Masking every
 * frame, serialising it, hashing and writing the segments took a quarter of the harness's event
 * loop in a bench of 64 terminals (docs/benches.md): the loop that also carries every exchange,
 * so every terminal's steps waited for it. Here a run's transcript hands each entry over raw
 * (transcript.ts keeps masking the frames whose masker the thread does not know). Entries go over
 * in order, gathered for up to BATCH_MS (a message costs some microseconds however small, an
 * entry in it about one), and the thread writes the same segments, byte for byte, as the run
 * would have.
 *
 * `flushSync` (a second Ctrl-C, and the process's exit) waits up to FLUSH_WAIT_MS for the thread
 * to write out what it was given. A thread that dies fails every transcript still open: their
 * runs end with E_OUTPUT, as on a full disk, never hang.
 */
import { Worker } from 'node:worker_threads';
import type { TranscriptEntry } from '../core/record.js';
import type { SealedSegment } from './segments.js';
import type { RawEntrySink } from './transcript.js';
import type { RawEntry } from './transcript-entry.js';

export type ToThread =
  | { op: 'open'; id: number; runDir: string; stream: string; runId: string; segmentBytes?: number }
  | { op: 'raw'; id: number; entry: RawEntry }
  | { op: 'entry'; id: number; entry: TranscriptEntry }
  | { op: 'end'; id: number }
  | { op: 'flush'; done: Int32Array };

export type FromThread = { op: 'ended'; id: number; sealed: SealedSegment[]; failure?: string };

const FLUSH_WAIT_MS = 2000;
const BATCH_MS = 10;
const BATCH_MAX = 256;

export class TranscriptThread {
  private readonly worker: Worker;
  private queue: ToThread[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly open = new Map<number, ThreadedTranscriptFile>();
  private ended: Error | undefined;
  private readonly atExit = () => this.flushSync();

  constructor() {
    this.worker = new Worker(new URL('./transcript-thread-main.js', import.meta.url));
    // Held only while a transcript is open.
    this.worker.unref();
    this.worker.on('message', (reply: FromThread) => {
      const file = this.open.get(reply.id);
      this.open.delete(reply.id);
      this.hold();
      file?.settle(reply.sealed, reply.failure ? new Error(reply.failure) : undefined);
    });
    this.worker.on('error', (error) => this.die(error.message));
    this.worker.on('exit', (code) => this.die(`it exited with ${code}`));
    process.once('exit', this.atExit);
  }

  /** A transcript written by the thread as `SegmentedNdjson(runDir, stream, runId, segmentBytes)` would write it. */
  file(runDir: string, stream: string, runId: string, segmentBytes?: number): ThreadedTranscriptFile {
    const id = this.nextId++;
    const file = new ThreadedTranscriptFile(this, id);
    if (this.ended) file.settle([], this.ended);
    else {
      this.open.set(id, file);
      this.hold();
      this.post({ op: 'open', id, runDir, stream, runId, ...(segmentBytes !== undefined ? { segmentBytes } : {}) });
    }
    return file;
  }

  post(message: ToThread): void {
    if (this.ended) return;
    this.queue.push(message);
    if (this.queue.length >= BATCH_MAX) this.send();
    else this.timer ??= setTimeout(() => this.send(), BATCH_MS).unref();
  }

  /** Hands over what is queued and waits until the thread has written out all it has. */
  flushSync(): void {
    this.send();
    if (this.ended || this.open.size === 0) return;
    const done = new Int32Array(new SharedArrayBuffer(4));
    this.worker.postMessage([{ op: 'flush', done }] satisfies ToThread[]);
    Atomics.wait(done, 0, 0, FLUSH_WAIT_MS);
  }

  /** Ends the thread; transcripts still open fail. */
  async close(): Promise<void> {
    process.off('exit', this.atExit);
    this.send();
    await this.worker.terminate();
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0 || this.ended) return;
    this.worker.postMessage(this.queue);
    this.queue = [];
  }

  private hold(): void {
    if (this.open.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private die(why: string): void {
    this.ended ??= new Error(`the transcript thread ended: ${why}`);
    this.queue = [];
    for (const file of this.open.values()) file.settle([], this.ended);
    this.open.clear();
    this.hold();
  }
}

/** One run's transcript on the thread: the part of SegmentedNdjson a run uses. */
export class ThreadedTranscriptFile implements RawEntrySink {
  private lost: Error | undefined;
  private readonly sealed: Promise<SealedSegment[]>;
  private resolve: (sealed: SealedSegment[]) => void = () => undefined;
  private ending = false;

  constructor(
    private readonly thread: TranscriptThread,
    private readonly id: number,
  ) {
    this.sealed = new Promise((resolve) => (this.resolve = resolve));
  }

  appendRaw(entry: RawEntry): void {
    if (!this.ending) this.thread.post({ op: 'raw', id: this.id, entry });
  }

  /** An entry masked already (its masker has no name the thread knows). */
  append(value: unknown): void {
    if (!this.ending) this.thread.post({ op: 'entry', id: this.id, entry: value as TranscriptEntry });
  }

  flushSync(): void {
    this.thread.flushSync();
  }

  get failure(): Error | undefined {
    return this.lost;
  }

  /** Takes no more entries; resolves with the sealed segments once the thread has closed the last one. */
  end(): Promise<SealedSegment[]> {
    if (!this.ending) {
      this.ending = true;
      this.thread.post({ op: 'end', id: this.id });
    }
    return this.sealed;
  }

  settle(sealed: SealedSegment[], failure: Error | undefined): void {
    this.ending = true;
    this.lost ??= failure;
    this.resolve(sealed);
  }
}
