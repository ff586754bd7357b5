/**
 * The simulator's end of a pty (the master) against the harness's serial transport on its slave:
 * the transport contract, a hang-up when the terminal's end closes, and a port closed and opened
 * again by the harness while the terminal stays on the line.
 */
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openPty } from './pty.js';
import { SerialTransport } from './serial.js';
import { transportContract } from './test-support/contract.js';

const makePty = async () => {
  const pty = await openPty();
  if (!pty) throw new Error('node-pty did not load: it is a dependency of poshil and must');
  return pty;
};

transportContract('serial on a pty slave, the terminal on its master', async () => {
  const pty = await makePty();
  const client = new SerialTransport({ path: pty.path, baudRate: 115200 });
  await client.open();
  return { client, peer: pty.transport, dispose: async () => undefined, cut: () => pty.transport.close() };
});

describe('openPty', () => {
  it('makes a /dev/pts device that a harness can close and open again, and that goes away with the terminal', async () => {
    const pty = await makePty();
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

describe('the pty the simulator holds', () => {
  const descriptorsOn = (path: string) =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false;
      }
    }).length;

  it('is raw before a harness opens it: the terminal never reads its own words back', async () => {
    const pty = await makePty();
    const echoed: Uint8Array[] = [];
    pty.transport.onData((chunk) => echoed.push(chunk));
    await pty.transport.write(Buffer.from('{"event":"terminal.ready"}\r\n\x03'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(echoed).toEqual([]);
    // Opening the port flushes what waited (serialport does, as for a real line); after that
    // bytes pass as they are, CR and control characters included.
    const harness = new SerialTransport({ path: pty.path, baudRate: 115200 });
    await harness.open();
    const heard = new Promise<string>((resolve) => harness.onData((chunk) => resolve(Buffer.from(chunk).toString('latin1'))));
    await pty.transport.write(Buffer.from('ready\r\n\x03'));
    expect(await heard).toBe('ready\r\n\x03');
    const back = new Promise<string>((resolve) => pty.transport.onData((chunk) => resolve(Buffer.from(chunk).toString('latin1'))));
    await harness.write(Buffer.from('\r\x03\n'));
    expect(await back).toBe('\r\x03\n');
    expect(echoed.map((chunk) => Buffer.from(chunk).toString('latin1'))).toEqual(['\r\x03\n']);
    await harness.close();
    await pty.transport.close();
  });

  it('takes a write larger than the pty holds without stalling the event loop, bytes in order', async () => {
    const pty = await makePty();
    const harness = new SerialTransport({ path: pty.path, baudRate: 115200 });
    await harness.open();
    const big = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => i % 251));
    const received: Buffer[] = [];
    let length = 0;
    const all = new Promise<void>((resolve) =>
      harness.onData((chunk) => {
        received.push(Buffer.from(chunk));
        if ((length += chunk.length) === big.length) resolve();
      }),
    );
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    await pty.transport.write(big);
    await all;
    clearInterval(ticker);
    expect(Buffer.concat(received).equals(big)).toBe(true);
    expect(ticks).toBeGreaterThan(0);
    await harness.close();
    await pty.transport.close();
  });

  it('leaves no descriptor of the harness behind when its port is opened and closed', async () => {
    const pty = await makePty();
    const tty = realpathSync(pty.path);
    const before = descriptorsOn(tty);
    for (let i = 0; i < 3; i++) {
      const harness = new SerialTransport({ path: pty.path, baudRate: 115200 });
      await harness.open();
      await harness.close();
    }
    expect(descriptorsOn(tty)).toBe(before);
    await pty.transport.close();
    expect(descriptorsOn(tty)).toBe(0);
  });
});
