/**
 * Paced output over a real pty to a receiver in another process, which checks every byte and
 * notes when the last one came. The rate is checked loosely (a shared machine makes timers
 * late); it can never be above the line rate. `npm run bench` prints the precise figures.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { createSocatPair, type SocatPair } from './socat-pair.js';
import { PacedTransport } from './paced.js';
import { SerialTransport } from './serial.js';

const RECEIVER = `
const { SerialPort } = require('serialport');
const [path, expected] = [process.argv[1], Number(process.argv[2])];
const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
let received = 0, wrong = 0;
port.open((error) => {
  if (error) throw error;
  process.stdout.write('ready\\n');
  port.on('data', (chunk) => {
    for (const byte of chunk) if (byte !== received++ % 251) wrong++;
    if (received >= expected) {
      process.stdout.write(JSON.stringify({ received, wrong, lastMs: performance.timeOrigin + performance.now() }) + '\\n');
      port.close(() => process.exit(0));
    }
  });
});`;

let pair: SocatPair | undefined;
afterEach(async () => {
  await pair?.stop();
  pair = undefined;
});

describe('PacedTransport over a pty', () => {
  it('delivers every byte of mixed-size writes at the line rate of 115200 8N1', async () => {
    pair = await createSocatPair();
    const sizes = [1, 1, 3, 23, 64, 7, 200, 1024, 1, 500];
    const chunks = Array.from({ length: 5 }, () => sizes).flat();
    const total = chunks.reduce((n, s) => n + s, 0); // 9,120 bytes: 0.79 s at 11,520 bytes/s
    const receiver = spawn(process.execPath, ['-e', RECEIVER, pair.b, String(total)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: receiver.stdout });
    const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
    try {
      expect(await next()).toBe('ready');
      const report = next();
      const paced = new PacedTransport(new SerialTransport({ path: pair.a, baudRate: 115200 }), 115200);
      await paced.open();
      const data = Uint8Array.from({ length: total }, (_, i) => i % 251);
      const start = performance.timeOrigin + performance.now();
      let offset = 0;
      for (const size of chunks) {
        await paced.write(data.subarray(offset, offset + size));
        offset += size;
      }
      const got = JSON.parse(await report) as { received: number; wrong: number; lastMs: number };
      await paced.close();
      expect(got.received).toBe(total);
      expect(got.wrong).toBe(0);
      const percent = (100 * total) / ((got.lastMs - start) / 1000) / 11_520;
      expect(percent).toBeLessThanOrEqual(100.5);
      expect(percent).toBeGreaterThan(75);
    } finally {
      receiver.kill();
    }
  }, 20_000);
});
