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
});
