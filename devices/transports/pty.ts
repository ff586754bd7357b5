/**
 * The terminal's end of a pseudo-terminal. The simulator holds the pty's master side and the
 * harness opens its slave (/dev/pts/N on Linux) through serialport, as it opens a USB-serial
 * adapter: the bytes cross the kernel's tty layer once, and no helper process runs per terminal.
 *
 * openpty(3) is an ioctl Node cannot make, so it comes from node-pty's prebuilt binary
 * (@lydell/node-pty, which ships it for Linux and macOS on x64 and arm64). Where that binary does
 * not load, `openPty` answers undefined and the simulator makes a socat pair instead, as before:
 * a socat process costs ~25 ms of CPU to start on the project's machine, 1.7 s for a bench of 64
 * (docs/benches.md).
 *
 * The master descriptor node-pty makes is not closed on exec: a child process started while the
 * simulator runs inside poshil (an exec step, a stimulus command) holds it too, and a drop of the
 * link shows at the harness only once that child has ended.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ReadStream } from 'node:tty';
import { linkClosed } from './errors.js';
import { TransportListeners } from './listeners.js';
import type { Transport, Unsubscribe } from './transport.js';

interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

let native: NativePty | null | undefined;

function loadNative(): NativePty | undefined {
  if (native === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const { requireBinary } = require('@lydell/node-pty/requireBinary.js') as { requireBinary(file: string): NativePty };
      native = requireBinary('pty.node');
    } catch {
      native = null;
    }
  }
  return native ?? undefined;
}

export interface Pty {
  /** The slave's path, what a harness opens. */
  readonly path: string;
  /** The master side, open: what the terminal speaks on. */
  readonly transport: Transport;
}

/** A new pseudo-terminal in raw mode, or undefined where this platform's openpty binary is not installed. */
export async function openPty(): Promise<Pty | undefined> {
  const pty = loadNative()?.open(80, 24);
  if (!pty) return undefined;
  let slave: number | undefined;
  try {
    // Ours is opened again by Node, closed on exec; node-pty's is not.
    slave = openSync(pty.pty, constants.O_RDWR | constants.O_NOCTTY);
    closeSync(pty.slave);
    await makeRaw(pty.pty);
  } catch (error) {
    if (slave !== undefined) closeSync(slave);
    closeSync(pty.master);
    throw error;
  }
  return { path: pty.pty, transport: new PtyMasterTransport(pty.master, slave, pty.pty) };
}

/**
 * A new pty echoes, edits lines and turns CR into LF, so the terminal would read its own words
 * back until the harness set its line; serialport sets the line raw (as socat's `raw,echo=0`
 * did). It stays so while the terminal keeps the slave open.
 */
async function makeRaw(path: string): Promise<void> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

class PtyMasterTransport implements Transport {
  readonly address: string;
  private readonly listeners = new TransportListeners();
  /** Reads only: libuv would write to a master in a loop until the harness had read it all. */
  private readonly stream: ReadStream;
  private slave: number | undefined;
  /** Writes not yet taken by the pty, oldest first, while its buffer is full. */
  private readonly queue: { bytes: Uint8Array; done: (error?: Error) => void }[] = [];
  private retry: NodeJS.Timeout | undefined;
  /** How long to wait before trying a full pty again: doubled while nothing goes, up to 64 ms. */
  private retryMs = 1;

  constructor(
    private readonly master: number,
    slave: number,
    path: string,
  ) {
    this.address = `pty:${path}`;
    // The slave stays open on this side too, unread: with no slave open, a master reads EIO, so
    // a harness that closes the port and opens it again would find the terminal gone.
    this.slave = slave;
    this.stream = new ReadStream(master);
    this.stream.on('data', (chunk: Buffer) => this.listeners.emitData(chunk));
    this.stream.on('error', (error: Error) => this.listeners.emitClose(error));
    this.stream.on('close', () => this.listeners.emitClose(new Error('pty closed')));
  }

  get isOpen(): boolean {
    return !this.listeners.isClosed;
  }

  async open(): Promise<void> {
    if (!this.isOpen) throw linkClosed(this.address);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(linkClosed(this.address));
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, done: (error) => (error ? reject(linkClosed(this.address)) : resolve()) });
      if (this.retry === undefined) this.pump();
    });
  }

  /**
   * Writes what the pty takes now (the master is non-blocking); the rest is tried again shortly,
   * less often the longer no one reads (a harness that closed the port may never come back).
   */
  private pump(): void {
    this.retry = undefined;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      let written = 0;
      try {
        written = writeSync(this.master, head.bytes);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.listeners.emitClose(error as Error);
          this.failQueued();
          return;
        }
      }
      if (written < head.bytes.length) {
        head.bytes = head.bytes.subarray(written);
        this.retryMs = written > 0 ? 1 : Math.min(this.retryMs * 2, 64);
        this.retry = setTimeout(() => this.pump(), this.retryMs);
        return;
      }
      this.queue.shift();
      head.done();
    }
  }

  private failQueued(): void {
    clearTimeout(this.retry);
    for (const { done } of this.queue.splice(0)) done(new Error('closed'));
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.listeners.onData(listener);
  }

  onClose(listener: (error: Error | null) => void): Unsubscribe {
    return this.listeners.onClose(listener);
  }

  /** Closes both sides: the harness's port reads a hang-up, as when a terminal loses power. */
  async close(): Promise<void> {
    this.listeners.emitClose(null);
    this.failQueued();
    if (this.slave !== undefined) {
      closeSync(this.slave);
      this.slave = undefined;
    }
    if (this.stream.destroyed) return;
    await new Promise<void>((resolve) => {
      this.stream.once('close', () => resolve());
      this.stream.destroy();
    });
  }
}
