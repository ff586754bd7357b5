/**
 * Serial ports (USB-serial, RS-232, and pseudo-terminals) through serialport. Line settings come
 * from the device profile; a pty ignores them, which is why the simulator paces itself in
 * software when it must behave like a real line.
 *
 * serialport opens, configures and locks the port; the bytes then go through a second file
 * descriptor of the same tty read and written on the event loop (node:tty), not through
 * serialport's stream, which polls and then reads and writes on the libuv thread pool: that cost
 * ~200 µs of CPU per request and answer against ~50 µs, and showed in the latencies a run reports
 * (docs/architecture.md). Where the port cannot be opened a second time as a tty, serialport's
 * stream carries the bytes as before.
 */
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { isatty, ReadStream } from 'node:tty';
import type { SerialPort } from 'serialport';
import { DeviceError } from '../../harness/core/errors.js';
import { abortReason, linkClosed } from './errors.js';
import { TransportListeners } from './listeners.js';
import type { Transport, Unsubscribe } from './transport.js';

export interface SerialOptions {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 1.5 | 2;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  rtscts?: boolean;
}

export class SerialTransport implements Transport {
  readonly address: string;
  private readonly listeners = new TransportListeners();
  private port: SerialPort | undefined;
  /** The second descriptor the bytes go through (see above), while open. */
  private line: ReadStream | undefined;
  private releasing: Promise<void> | undefined;

  constructor(private readonly options: SerialOptions) {
    this.address = `serial:${options.path}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true && !this.listeners.isClosed;
  }

  async open(signal?: AbortSignal): Promise<void> {
    if (this.isOpen) return;
    if (signal?.aborted) throw abortReason(signal);
    const { path, baudRate, dataBits = 8, stopBits = 1, parity = 'none', rtscts = false } = this.options;
    if (!existsSync(path)) {
      throw new DeviceError('E_PORT_NOT_FOUND', `serial port ${path} does not exist`, {
        device: this.address,
        hint: 'is the terminal plugged in? `poshil ports` lists the serial ports on this machine',
      });
    }
    // serialport (and its native binding) loads when a port opens, not whenever poshil starts.
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({ path, baudRate, dataBits, stopBits, parity, rtscts, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => {
      port.open((error) => {
        if (!error) return resolve();
        const busy = /lock|busy|resource temporarily unavailable/i.test(error.message);
        reject(
          new DeviceError(busy ? 'E_PORT_BUSY' : 'E_TRANSPORT_OPEN', `cannot open ${path}: ${error.message}`, {
            device: this.address,
            hint: busy
              ? 'another program holds the port; close it (only one process may open a serial port)'
              : 'check the permissions (the dialout group) and the line settings in the profile',
          }),
        );
      });
    });
    this.listeners.reset();
    this.releasing = undefined;
    this.port = port;
    port.on('error', (error: Error) => this.listeners.emitClose(error));
    port.on('close', (error: Error | null) => this.listeners.emitClose(error ?? new Error('port closed')));
    const line = openLine(path);
    this.line = line;
    if (!line) {
      port.on('data', (chunk: Buffer) => this.listeners.emitData(chunk));
      return;
    }
    line.on('data', (chunk: Buffer) => this.listeners.emitData(chunk));
    // A vanished adapter or a hung-up pty reads EIO or end of file. serialport reads nothing
    // now, so it would not notice: the port is let go here, as it let go of it itself before,
    // and a USB adapter that comes back can have its old name again.
    const hangUp = (error: Error) => {
      this.listeners.emitClose(error);
      void this.release();
    };
    line.on('error', hangUp);
    line.on('close', () => hangUp(new Error('the line hung up')));
  }

  write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port || !this.isOpen) return Promise.reject(linkClosed(this.address));
    const out = this.line ?? port;
    return new Promise((resolve, reject) => {
      out.write(bytes, (error) => (error ? reject(linkClosed(this.address)) : resolve()));
    });
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.listeners.onData(listener);
  }

  onClose(listener: (error: Error | null) => void): Unsubscribe {
    return this.listeners.onClose(listener);
  }

  async close(): Promise<void> {
    if (!this.port) return;
    this.listeners.emitClose(null);
    await this.release();
  }

  /** Closes the line's descriptor and the port's; a close and a hang-up at once share the one release. */
  private release(): Promise<void> {
    this.releasing ??= (async () => {
      const port = this.port;
      const line = this.line;
      this.line = undefined;
      if (line && !line.destroyed) await new Promise<void>((resolve) => line.once('close', () => resolve()).destroy());
      if (!port?.isOpen) return;
      await new Promise<void>((resolve) => port.close(() => resolve()));
    })();
    return this.releasing;
  }
}

/** The port's tty opened once more, for the bytes; undefined where that is not a tty. */
function openLine(path: string): ReadStream | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  if (!isatty(fd)) {
    closeSync(fd);
    return undefined;
  }
  const line = new ReadStream(fd);
  // libuv reopens a tty it is handed (by its path, so that making it non-blocking touches no one
  // else's descriptor), puts the new descriptor over ours with dup2 and works on the new one:
  // ours is then left for us to close, or every open would leak one. A tty it could not reopen
  // it writes to as to a blocking descriptor, looping on EAGAIN while the line is busy: such a
  // port keeps serialport's stream.
  const used = (line as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof used !== 'number' || used < 0 || used === fd) {
    line.destroy();
    return undefined;
  }
  closeSync(fd);
  return line;
}
