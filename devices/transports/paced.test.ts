import { describe, expect, it } from 'vitest';
import { createMemoryPair } from './memory.js';
import { PacedTransport } from './paced.js';

describe('PacedTransport', () => {
  it('delivers every byte in order, no faster than the line rate', async () => {
    const [a, b] = createMemoryPair();
    await a.open();
    await b.open();
    const paced = new PacedTransport(a, 9600); // 960 bytes/s
    const received: number[] = [];
    b.onData((chunk) => received.push(...chunk));
    const data = Uint8Array.from({ length: 480 }, (_, i) => i % 251);
    const start = performance.now();
    await Promise.all([paced.write(data.subarray(0, 240)), paced.write(data.subarray(240))]);
    const elapsed = performance.now() - start;
    await new Promise((r) => setTimeout(r, 5));
    expect(received).toEqual([...data]);
    // 480 bytes at 960 bytes/s cannot arrive in much under half a second.
    expect(elapsed).toBeGreaterThanOrEqual(480);
  });
});
