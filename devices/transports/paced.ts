/**
 * A transport that sends no faster than a serial line would. A pty ignores the baud rate, so a
 * simulator that must behave like a 9600- or 115200-baud terminal paces itself: at 8N1 a byte
 * takes 10 bit times, so 115200 baud carries 11,520 bytes/s.
 *
 * It keeps a UART's clock: "the line is free at" carries across writes, so each byte is handed
 * on no earlier than the moment its stop bit would end, however the bytes were split into
 * writes. Timers fire late and in steps of a millisecond, so the bytes due by then go on
 * together; the clock is never restarted, so being late once does not slow the rate.
 *
 * As with a UART's transmit buffer, `write` resolves once the bytes are queued, and waits only
 * while more than `bufferBytes` are still waiting for the line.
 */
import type { Transport, Unsubscribe } from './transport.js';

interface Queued {
  bytes: Uint8Array;
  /** Bytes of it already handed on. */
  sent: number;
  /** When its first byte's start bit begins (performance.now() ms). */
  startsAt: number;
}

interface Waiter {
  /** Resolve when the line has got down to this many queued bytes. */
  backlog: number;
  resolve(): void;
  reject(error: Error): void;
}

export class PacedTransport implements Transport {
  private readonly msPerByte: number;
  private readonly queue: Queued[] = [];
  private readonly waiters: Waiter[] = [];
  private queuedBytes = 0;
  /** When the last queued byte's stop bit ends: the next byte starts no earlier. */
  private lineFreeAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly inner: Transport,
    baudRate: number,
    bitsPerByte = 10,
    private readonly bufferBytes = 4096,
  ) {
    this.msPerByte = (1000 * bitsPerByte) / baudRate;
  }

  get address(): string {
    return this.inner.address;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  open(signal?: AbortSignal): Promise<void> {
    return this.inner.open(signal);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (bytes.length === 0) return Promise.resolve();
    const now = performance.now();
    const startsAt = Math.max(now, this.lineFreeAt);
    // Copied: the caller may reuse its buffer once the write resolved, before the line sent it.
    this.queue.push({ bytes: Uint8Array.from(bytes), sent: 0, startsAt });
    this.queuedBytes += bytes.length;
    this.lineFreeAt = startsAt + bytes.length * this.msPerByte;
    this.schedule();
    if (this.queuedBytes <= this.bufferBytes) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ backlog: this.bufferBytes, resolve, reject }));
  }

  /** Hands on every byte whose stop bit has ended by now, as one write. */
  private pump(): void {
    this.timer = undefined;
    const now = performance.now();
    const due: Uint8Array[] = [];
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const done = Math.min(head.bytes.length, Math.floor((now - head.startsAt) / this.msPerByte + 1e-9));
      if (done > head.sent) {
        due.push(head.bytes.subarray(head.sent, done));
        this.queuedBytes -= done - head.sent;
        head.sent = done;
      }
      if (head.sent < head.bytes.length) break;
      this.queue.shift();
    }
    if (due.length > 0) {
      const out = due.length === 1 ? due[0]! : Buffer.concat(due);
      this.inner.write(out).catch((error: unknown) => this.fail(error as Error));
    }
    while (this.waiters.length > 0 && this.queuedBytes <= this.waiters[0]!.backlog) this.waiters.shift()!.resolve();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0 || this.failure) return;
    const head = this.queue[0]!;
    const nextDue = head.startsAt + (head.sent + 1) * this.msPerByte;
    this.timer = setTimeout(() => this.pump(), Math.max(0, nextDue - performance.now()));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.dropQueue();
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private dropQueue(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.inner.onData(listener);
  }

  onClose(listener: (error: Error | null) => void): Unsubscribe {
    return this.inner.onClose(listener);
  }

  /** Closes the line; bytes still waiting for it are dropped, as when a cable is pulled. */
  close(): Promise<void> {
    this.dropQueue();
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
    return this.inner.close();
  }
}
