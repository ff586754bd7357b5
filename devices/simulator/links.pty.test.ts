/**
 * A restarting simulated terminal vanishes from its link and comes back, as a real one does:
 * through a pty at a new /dev/pts path, over TCP on the same port after refusing connections
 * meanwhile. The terminal.ready it sent while nobody was connected reaches the next harness.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchClient } from '../protocols/bench/client.js';
import type { BenchEvent } from '../protocols/bench/messages.js';
import { SerialTransport } from '../transports/serial.js';
import { TcpTransport } from '../transports/tcp.js';
import type { Transport } from '../transports/transport.js';
import { socatPtyEnd } from './links.js';
import { startSimulator, type RunningSimulator } from './server.js';

const open = (address: string): Transport => {
  if (address.startsWith('serial:')) return new SerialTransport({ path: address.slice('serial:'.length), baudRate: 115200 });
  const [host, port] = address.slice('tcp://'.length).split(':');
  return new TcpTransport({ host: host!, port: Number(port) });
};

async function until<T>(read: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a simulated terminal that restarts leaves its link and comes back', () => {
  let sim: RunningSimulator | undefined;
  const clients: BenchClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await sim?.stop();
    sim = undefined;
  });

  async function connect(address: string) {
    const transport = open(address);
    await transport.open();
    const client = new BenchClient(transport);
    clients.push(client);
    const events: BenchEvent[] = [];
    client.onEvent((e) => events.push(e));
    let closed = false;
    transport.onClose(() => (closed = true));
    return { client, events, closed: () => closed };
  }

  for (const kind of ['pty', 'tcp'] as const) {
    it(`over ${kind}: reboot drops the link, it returns after the boot time, and the new link greets with terminal.ready`, async () => {
      const changes: (string | undefined)[] = [];
      sim = await startSimulator({ link: kind === 'pty' ? { kind: 'pty' } : { kind: 'tcp', host: '127.0.0.1', port: 0 }, bootMs: 300, onLinkChange: (a) => changes.push(a) });
      const first = await connect(sim.link);
      expect(await first.client.request('reboot', {}, { timeoutMs: 2000 })).toMatchObject({ ok: true });
      await until(() => (first.closed() ? true : undefined));
      expect(sim.currentLink()).toBeUndefined();
      if (kind === 'tcp') await expect(open(sim.link).open()).rejects.toMatchObject({ code: 'E_CONNECT_REFUSED' });
      const back = await until(() => changes.find((c) => c !== undefined));
      expect(changes[0]).toBeUndefined();
      if (kind === 'pty') expect(back).not.toBe(sim.link);
      else expect(back).toBe(sim.link);
      const second = await connect(back);
      expect(await second.client.request('identify', {}, { timeoutMs: 2000 })).toMatchObject({ ok: true, result: { serialNumber: 'PSIM-000001' } });
      expect(second.events.map((e) => e.event)).toEqual(['terminal.ready']);
      expect(second.events[0]!.data).toMatchObject({ cause: 'reboot' });
    });
  }

  it('an unplug fault drops the link for its duration, keeping the terminal as it was; without one, for good', async () => {
    const changes: (string | undefined)[] = [];
    sim = await startSimulator({ link: { kind: 'tcp', host: '127.0.0.1', port: 0 }, onLinkChange: (a) => changes.push(a) });
    const first = await connect(sim.link);
    await first.client.request('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 2000 });
    sim.terminal.fault('unplug', 200);
    await until(() => (first.closed() ? true : undefined));
    await until(() => (changes.length === 2 ? true : undefined));
    const second = await connect(sim.link);
    // Not a restart: the sale still waits for its card, and there is no terminal.ready.
    expect(await second.client.request('status', {}, { timeoutMs: 2000 })).toMatchObject({ ok: true, result: { state: 'awaiting_card' } });
    expect(second.events).toEqual([]);
    sim.terminal.fault('unplug');
    await until(() => (second.closed() ? true : undefined));
    await new Promise((r) => setTimeout(r, 400));
    expect(changes).toEqual([undefined, sim.link, undefined]);
  });
});

describe('the socat pair a pty link falls back to where node-pty does not load', () => {
  it('gives the harness a tty whose bytes reach the terminal and back, and removes it at close', async () => {
    const end = await socatPtyEnd(115200);
    const harness = open(`serial:${end.path}`);
    try {
      expect(end.path).toMatch(/^\/dev\/pts\/\d+$/);
      end.transport.onData((chunk) => void end.transport.write(chunk));
      await harness.open();
      const echoed = new Promise<string>((resolve) => harness.onData((chunk) => resolve(Buffer.from(chunk).toString())));
      await harness.write(Buffer.from('ping\n'));
      expect(await echoed).toBe('ping\n');
    } finally {
      await harness.close();
      await end.close();
    }
    expect(existsSync(end.path)).toBe(false);
  });
});
