import type { Unsubscribe } from './transport.js';

/**
 * The data/close listener bookkeeping every transport shares: data stops after close, close
 * listeners run once.
 */
export class TransportListeners {
  private readonly data = new Set<(chunk: Uint8Array) => void>();
  private readonly close = new Set<(error: Error | null) => void>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    this.data.add(listener);
    return () => this.data.delete(listener);
  }

  onClose(listener: (error: Error | null) => void): Unsubscribe {
    if (this.closed) return () => undefined;
    this.close.add(listener);
    return () => this.close.delete(listener);
  }

  emitData(chunk: Uint8Array): void {
    if (this.closed) return;
    for (const listener of this.data) listener(chunk);
  }

  /** Runs the close listeners once; later calls do nothing. */
  emitClose(error: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    const listeners = [...this.close];
    this.close.clear();
    this.data.clear();
    for (const listener of listeners) listener(error);
  }

  /** Allows a transport to be opened again after it closed. */
  reset(): void {
    this.closed = false;
  }
}
