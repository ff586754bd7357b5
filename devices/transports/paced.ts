/**
 * A transport that sends no faster than a serial line would. A pty ignores the baud rate, so a
 * simulator that must behave like a 9600- or 115200-baud terminal paces itself: at 8N1 a byte
 * takes 10 bit times, so 115200 baud carries 11,520 bytes/s. Credit accrues on a 2 ms tick.
 */
import type { Transport, Unsubscribe } from './transport.js';

const TICK_MS = 2;

export class PacedTransport implements Transport {
  private readonly bytesPerSecond: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly inner: Transport,
    baudRate: number,
    bitsPerByte = 10,
  ) {
    this.bytesPerSecond = baudRate / bitsPerByte;
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

  /** Writes in order, each chunk no larger than the line could carry in one tick. */
  write(bytes: Uint8Array): Promise<void> {
    const run = this.queue.then(() => this.send(bytes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(bytes: Uint8Array): Promise<void> {
    const perTick = Math.max(1, Math.floor((this.bytesPerSecond * TICK_MS) / 1000));
    const start = performance.now();
    for (let offset = 0; offset < bytes.length; offset += perTick) {
      // Wait until the line has carried everything sent before this chunk.
      const due = start + (offset / this.bytesPerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await this.inner.write(bytes.subarray(offset, offset + perTick));
    }
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.inner.onData(listener);
  }

  onClose(listener: (error: Error | null) => void): Unsubscribe {
    return this.inner.onClose(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
