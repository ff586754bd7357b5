/**
 * Section 4 of the bench: paced serial output at 115200 8N1 (11,520 bytes/s) over a socat pty,
 * to a receiver process that checks every byte and notes when the last one came. For each
 * write size the writer sends about a second's worth (at least one write), awaiting each
 * write as a program would; the rate is bytes over the time from the first write to the last
 * byte received.
 */
import { createSocatPair } from '../../devices/transports/socat-pair.js';
import { startResponder } from './children.js';
import type { Harness } from './step-loop.js';
import { table } from './stats.js';

const BAUD = 115200;
const BYTES_PER_SECOND = BAUD / 10;
export const WRITE_SIZES = [1, 23, 64, 1024, 65536];

async function pacedRate(h: Harness, size: number): Promise<{ percent: number; lost: number; wrong: number }> {
  const total = Math.max(size, Math.round(BYTES_PER_SECOND / size) * size);
  const data = Uint8Array.from({ length: total }, (_, i) => i % 251);
  const pair = await createSocatPair();
  const sink = await startResponder(['--sink', pair.b, String(total)]);
  const port = new h.serial.SerialTransport({ path: pair.a, baudRate: BAUD });
  const paced = new h.paced.PacedTransport(port, BAUD);
  try {
    await paced.open();
    const report = sink.next();
    const start = performance.timeOrigin + performance.now();
    for (let offset = 0; offset < total; offset += size) await paced.write(data.subarray(offset, offset + size));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`paced ${size}-byte writes: not all ${total} bytes arrived`)), 30_000));
    const got = await Promise.race([report, timeout]);
    const seconds = ((got['lastMs'] as number) - start) / 1000;
    return { percent: (100 * total) / seconds / BYTES_PER_SECOND, lost: total - (got['received'] as number), wrong: got['wrong'] as number };
  } finally {
    await paced.close();
    await sink.stop();
    await pair.stop();
  }
}

export async function pacing(builds: [string, Harness][]): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const size of WRITE_SIZES) {
    const row: (string | number)[] = [`${size} B writes`];
    for (const [, h] of builds) {
      const r = await pacedRate(h, size);
      row.push(`${r.percent.toFixed(1)} %${r.lost || r.wrong ? ` (${r.lost} lost, ${r.wrong} wrong)` : ''}`);
    }
    rows.push(row);
  }
  return table(['115200 8N1 over a pty', ...builds.map(([name]) => `${name}: % of line rate`)], rows);
}
