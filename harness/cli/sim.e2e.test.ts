/** `poshil sim` as a user runs it by hand: the ready line, the bench protocol on TCP, SIGTERM. */
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI } from './test-support/cli.js';

function exchange(port: number, lines: string[], expected: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(port, '127.0.0.1');
    const got: string[] = [];
    createInterface({ input: socket }).on('line', (line) => {
      got.push(line);
      if (got.length === expected) {
        socket.end();
        resolve(got);
      }
    });
    socket.on('error', reject);
    socket.on('connect', () => socket.write(lines.join('\n') + '\n'));
  });
}

describe('poshil sim (black box)', () => {
  it('announces itself, answers the bench protocol on TCP and its control channel, and stops on SIGTERM', async () => {
    const child = execa(process.execPath, [CLI, 'sim', '--tcp', '127.0.0.1:0', '--seed', '5'], { reject: false });
    const ready = await new Promise<{ event: string; link: string; control: string; pid: number }>((resolve) => {
      createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as never));
    });
    expect(ready).toMatchObject({ event: 'ready', link: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/), control: expect.stringMatching(/^tcp:/) });
    const port = Number(ready.link.split(':').pop());
    // Responses may come in any order; the id pairs them.
    const replies = (await exchange(port, ['{"id":1,"op":"identify"}', 'not json', '{"id":2,"op":"teleport"}'], 3)).map((l) => JSON.parse(l) as { id: number | null });
    const byId = (id: number | null) => replies.find((r) => r.id === id);
    expect(byId(1)).toMatchObject({ ok: true, result: { model: 'poshil-sim', serialNumber: 'PSIM-000005' } });
    expect(byId(null)).toMatchObject({ ok: false, error: { code: 'MALFORMED' } });
    expect(byId(2)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_OP' } });
    const control = Number(ready.control.split(':').pop());
    const [refused] = await exchange(control, ['{"id":1,"op":"stimulus","args":{"name":"swipe","track":";4111111111111111=3012101?"}}'], 1);
    expect(JSON.parse(refused!)).toMatchObject({ ok: false, error: { code: 'NOT_ACCEPTED' } });
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  for (const [range, low, high] of [['0', 0, 40], ['250-260', 250, 1400]] as const) {
    it(`takes the host's latency from --host-latency ${range}`, async () => {
      const child = execa(process.execPath, [CLI, 'sim', '--tcp', '127.0.0.1:0', '--host-latency', range], { reject: false });
      try {
        const ready = await new Promise<{ link: string; control: string }>((resolve) => {
          createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as never));
        });
        const socket = createConnection(Number(ready.link.split(':').pop()), '127.0.0.1');
        const lines = createInterface({ input: socket });
        const response = new Promise<{ latencyMs: number }>((resolve) =>
          lines.on('line', (line) => {
            const message = JSON.parse(line) as { event?: string; data?: { latencyMs: number } };
            if (message.event === 'host.response') resolve(message.data!);
          }),
        );
        socket.write('{"id":1,"op":"sale","args":{"amount":1000,"currency":"EUR"}}\n');
        await new Promise((r) => setTimeout(r, 200));
        await exchange(Number(ready.control.split(':').pop()), ['{"id":1,"op":"stimulus","args":{"name":"swipe","track":";4111111111111111=3012101?"}}'], 1);
        const { latencyMs } = await response;
        socket.destroy();
        expect(latencyMs).toBeGreaterThanOrEqual(low);
        expect(latencyMs).toBeLessThan(high);
      } finally {
        child.kill('SIGTERM');
        await child;
      }
    }, 20_000);
  }

  it('refuses a malformed --host-latency with exit 2', async () => {
    const result = await execa(process.execPath, [CLI, 'sim', '--tcp', '127.0.0.1:0', '--host-latency', '60-15'], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--host-latency must be MIN-MAX');
  });
});
