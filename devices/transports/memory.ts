/**
 * An in-memory pair of transports: what one side writes, the other receives, asynchronously
 * (a microtask later, as a socket would). Used by unit tests and by the benchmark's baseline;
 * each pair is its own instance, with no module-global state.
 */
import { abortReason, linkClosed } from './errors.js';
import { TransportListeners } from './listeners.js';
import type { Transport, Unsubscribe } from './transport.js';

let pairs = 0;

class MemoryEnd implements Transport {
  peer!: MemoryEnd;
  private readonly listeners = new TransportListeners();
  private opened = false;

  constructor(readonly address: string) {}

  get isOpen(): boolean {
    return this.opened && !this.listeners.isClosed;
  }

  async open(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortReason(signal);
    this.listeners.reset();
    this.opened = true;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) throw linkClosed(this.address);
    const copy = bytes.slice();
    const peer = this.peer;
    queueMicrotask(() => peer.listeners.emitData(copy));
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.listeners.onData(listener);
  }

  onClose(listener: (error: Error | null) => void): Unsubscribe {
    return this.listeners.onClose(listener);
  }

  async close(): Promise<void> {
    if (!this.opened || this.listeners.isClosed) return;
    this.listeners.emitClose(null);
    // The peer sees a disconnect, as the far end of a socket would.
    const peer = this.peer;
    queueMicrotask(() => peer.listeners.emitClose(new Error('peer closed the link')));
  }
}

export function createMemoryPair(name = `pair-${++pairs}`): [Transport, Transport] {
  const a = new MemoryEnd(`memory:${name}/a`);
  const b = new MemoryEnd(`memory:${name}/b`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
