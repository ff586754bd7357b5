/**
 * The terminal's end of a pseudo-terminal. The simulator holds the pty's master side and the
 * harness opens its slave, /dev/pts/N, through serialport, as it opens a USB-serial adapter: the
 * bytes cross the kernel's tty layer once, and no helper process runs per terminal.
 *
 * openpty(3) is an ioctl Node cannot make, so it comes from node-pty's prebuilt binary
 * (@lydell/node-pty, which ships it for Linux and macOS on x64 and arm64). Where that binary does
 * not load, `openPty` answers undefined and the simulator makes a socat pair instead, as before:
 * a socat process costs ~25 ms of CPU to start on the project's machine, 1.6 s for a bench of 64
 * (docs/benches.md).
 */
import { closeSync } from 'node:fs';
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
  /** The slave's path, what a harness opens: /dev/pts/N. */
  readonly path: string;
  /** The master side, open: what the terminal speaks on. */
  readonly transport: Transport;
}

/** A new pseudo-terminal, or undefined where this platform's openpty binary is not installed. */
export function openPty(): Pty | undefined {
  const pty = loadNative()?.open(80, 24);
  if (!pty) return undefined;
  return { path: pty.pty, transport: new PtyMasterTransport(pty.master, pty.slave, pty.pty) };
}

class PtyMasterTransport implements Transport {
  readonly address: string;
  private readonly listeners = new TransportListeners();
  private readonly stream: ReadStream;
  private slave: number | undefined;

  constructor(master: number, slave: number, path: string) {
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
      this.stream.write(bytes, (error) => (error ? reject(linkClosed(this.address)) : resolve()));
    });
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
