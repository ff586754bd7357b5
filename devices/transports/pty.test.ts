/**
 * The simulator's end of a pty (the master) against the harness's serial transport on its slave:
 * the transport contract, a hang-up when the terminal's end closes, and a port closed and opened
 * again by the harness while the terminal stays on the line.
 */
import { existsSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openPty } from './pty.js';
import { SerialTransport } from './serial.js';
import { transportContract } from './test-support/contract.js';

const makePty = () => {
  const pty = openPty();
  if (!pty) throw new Error('node-pty did not load: it is a dependency of poshil and must');
  return pty;
};

transportContract('serial on a pty slave, the terminal on its master', async () => {
  const pty = makePty();
  const client = new SerialTransport({ path: pty.path, baudRate: 115200 });
  await client.open();
  return { client, peer: pty.transport, dispose: async () => undefined, cut: () => pty.transport.close() };
});

describe('openPty', () => {
  it('makes a /dev/pts device that a harness can close and open again, and that goes away with the terminal', async () => {
    const pty = makePty();
    expect(realpathSync(pty.path)).toMatch(/^\/dev\/pts\/\d+$/);
    const heard: string[] = [];
    pty.transport.onData((chunk) => {
      heard.push(Buffer.from(chunk).toString());
      void pty.transport.write(Buffer.from(`ack ${Buffer.from(chunk).toString()}`));
    });
    for (const word of ['first', 'second']) {
      const harness = new SerialTransport({ path: pty.path, baudRate: 115200 });
      await harness.open();
      const answer = new Promise<string>((resolve) => harness.onData((chunk) => resolve(Buffer.from(chunk).toString())));
      await harness.write(Buffer.from(word));
      expect(await answer).toBe(`ack ${word}`);
      await harness.close();
    }
    expect(heard).toEqual(['first', 'second']);
    await pty.transport.close();
    expect(pty.transport.isOpen).toBe(false);
    await expect(pty.transport.write(Buffer.from('x'))).rejects.toMatchObject({ code: 'E_LINK_CLOSED' });
    expect(existsSync(pty.path)).toBe(false);
  });
});
