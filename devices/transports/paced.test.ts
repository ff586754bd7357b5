import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryPair } from './memory.js';
import { PacedTransport } from './paced.js';

describe('PacedTransport', () => {
  it('hands on every byte in order and none before its stop bit would end, across writes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), async (sizes) => {
        const [a, b] = createMemoryPair();
        await a.open();
        await b.open();
        const baud = 96_000; // 9,600 bytes/s: 0.104 ms a byte
        const msPerByte = 10_000 / baud;
        const paced = new PacedTransport(a, baud);
        const total = sizes.reduce((n, s) => n + s, 0);
        const arrivals: { byte: number; at: number }[] = [];
        const all = new Promise<void>((resolve) =>
          b.onData((chunk) => {
            const at = performance.now();
            for (const byte of chunk) arrivals.push({ byte, at });
            if (arrivals.length === total) resolve();
          }),
        );
        const data = Uint8Array.from({ length: total }, (_, i) => i % 251);
        const start = performance.now();
        let offset = 0;
        for (const size of sizes) {
          await paced.write(data.subarray(offset, offset + size));
          offset += size;
        }
        await all;
        expect(arrivals.map((x) => x.byte)).toEqual([...data]);
        // Byte i (from 0) cannot arrive before i + 1 byte times have passed since the first write.
        arrivals.forEach((x, i) => expect(x.at - start).toBeGreaterThanOrEqual((i + 1) * msPerByte - 0.01));
        await paced.close();
        await b.close();
      }),
      { numRuns: 15 },
    );
  });

  it('queues like a transmit buffer: small writes resolve at once, a large backlog waits', async () => {
    const [a, b] = createMemoryPair();
    await a.open();
    await b.open();
    const paced = new PacedTransport(a, 9600, 10, 64);
    let resolved = false;
    await paced.write(new Uint8Array(32));
    const big = paced.write(new Uint8Array(64)).then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(resolved).toBe(false); // 96 queued, more than the 64-byte buffer
    await big;
    await paced.close();
    await b.close();
  });
});
