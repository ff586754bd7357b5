/**
 * The terminal followed across drops, against the real simulator on real ptys and sockets: an
 * expected restart comes back at a new pty path, an unplugged cable comes back on its own, a
 * terminal that never returns is given up within the reconnect time, and a different terminal
 * answering at the old address is not taken for the old one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BenchTerminal } from '../../devices/drivers/bench-terminal.js';
import type { TerminalEvent } from '../../devices/drivers/terminal.js';
import { startSimulator, type RunningSimulator } from '../../devices/simulator/server.js';
import { SerialTransport } from '../../devices/transports/serial.js';
import { TcpTransport } from '../../devices/transports/tcp.js';
import { DeviceError } from '../core/errors.js';
import type { LinkOutage } from '../core/record.js';
import { ReconnectingTerminal, type LinkLocator } from './reconnecting-terminal.js';

const transportTo = (address: string) => {
  if (address.startsWith('serial:')) return new SerialTransport({ path: address.slice('serial:'.length), baudRate: 115200 });
  const [host, port] = address.slice('tcp://'.length).split(':');
  return new TcpTransport({ host: host!, port: Number(port), connectTimeoutMs: 1000 });
};

describe('ReconnectingTerminal', () => {
  const sims: RunningSimulator[] = [];
  const terminals: ReconnectingTerminal[] = [];
  afterEach(async () => {
    for (const t of terminals.splice(0)) await t.close();
    for (const s of sims.splice(0)) await s.stop();
  });

  async function follow(sim: RunningSimulator, options: { reconnectMs?: number; locate?: LinkLocator } = {}) {
    const outages: LinkOutage[] = [];
    const notes: string[] = [];
    const events: TerminalEvent[] = [];
    const terminal = new ReconnectingTerminal({
      connect: (address) => new BenchTerminal(transportTo(address ?? sim.link)),
      address: sim.link,
      locate: options.locate ?? (async () => {
        const address = sim.currentLink();
        return address ? { address } : undefined;
      }),
      reconnectMs: options.reconnectMs ?? 5000,
      identifyMs: 1000,
      retryMs: 50,
      onOutage: (o) => outages.push(o),
      note: (text) => notes.push(text),
    });
    terminals.push(terminal);
    terminal.onEvent((e) => events.push(e));
    await terminal.open();
    await terminal.identify({ timeoutMs: 1000 });
    return { terminal, outages, notes, events };
  }

  it('follows an expected restart to the pty path it comes back at, and hears its terminal.ready', async () => {
    const sim = await startSimulator({ link: { kind: 'pty' }, seed: 5, bootMs: 200 });
    sims.push(sim);
    const { terminal, outages, events } = await follow(sim);
    terminal.during = 'upgrade/x step 1 (do reboot)';
    terminal.expectDrop();
    expect(await terminal.call('reboot', {}, { timeoutMs: 1000 })).toMatchObject({ ok: true });
    const outage = await terminal.settleAfterRestart(2000, new AbortController().signal);
    expect(outage).toMatchObject({ expected: true, during: 'upgrade/x step 1 (do reboot)', addressBefore: sim.link, identityAfter: { serialNumber: 'PSIM-000005' } });
    expect(outage!.addressAfter).not.toBe(sim.link);
    expect(outage!.addressAfter).toBe(sim.currentLink());
    expect(outages).toEqual([outage]);
    expect(terminal.state).toBe('up');
    expect(terminal.address).toBe(outage!.addressAfter);
    expect(events.map((e) => e.name)).toContain('terminal.ready');
    expect(await terminal.call('status', {}, { timeoutMs: 1000 })).toMatchObject({ ok: true, result: { state: 'idle' } });
  });

  it('tells of an unexpected drop at once, and comes back on the same TCP port when the cable is back', async () => {
    const sim = await startSimulator({ link: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    sims.push(sim);
    const { terminal, outages } = await follow(sim);
    const downs: Error[] = [];
    terminal.onDown((cause) => downs.push(cause));
    sim.terminal.fault('unplug', 300);
    await expect.poll(() => downs.length).toBe(1);
    expect(terminal.state).toBe('down');
    await expect(terminal.call('status', {}, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'E_LINK_LOST' });
    await terminal.whenUp(new AbortController().signal);
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ expected: false, during: 'between cases', addressBefore: sim.link, addressAfter: sim.link });
    expect(outages[0]!.attempts).toBeGreaterThan(1);
    expect(outages[0]!.downMs).toBeGreaterThanOrEqual(250);
  });

  it('gives a terminal that never returns up within the reconnect time, with the reason', async () => {
    const sim = await startSimulator({ link: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    sims.push(sim);
    const { terminal, outages, notes } = await follow(sim, { reconnectMs: 600 });
    const lost: Error[] = [];
    terminal.onLinkLost((e) => lost.push(e));
    const start = Date.now();
    sim.terminal.fault('unplug');
    await expect.poll(() => terminal.state).toBe('down');
    await expect(terminal.whenUp(new AbortController().signal)).rejects.toMatchObject({ code: 'E_LINK_LOST', message: expect.stringMatching(/did not come back within 600 ms/) });
    expect(Date.now() - start).toBeLessThan(3000);
    expect(terminal.state).toBe('gone');
    expect(lost).toHaveLength(1);
    expect(outages[0]).toMatchObject({ gaveUp: expect.stringContaining('600 ms') });
    expect(outages[0]!.backAt).toBeUndefined();
    expect(notes.at(-1)).toMatch(/gave up on the terminal/);
    await expect(terminal.call('status', {}, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'E_LINK_LOST' });
  });

  it('does not take another terminal at the old address for the one it lost', async () => {
    const sim = await startSimulator({ link: { kind: 'tcp', host: '127.0.0.1', port: 0 }, seed: 1 });
    const other = await startSimulator({ link: { kind: 'tcp', host: '127.0.0.1', port: 0 }, seed: 2 });
    sims.push(sim, other);
    const { terminal } = await follow(sim, { locate: async () => ({ address: other.link }) });
    sim.terminal.fault('unplug');
    await expect.poll(() => terminal.state).not.toBe('up');
    await expect(terminal.whenUp(new AbortController().signal)).rejects.toThrow(/a different terminal answered .* PSIM-000002, not PSIM-000001/);
  });

  it('gives up at once when the locator says the terminal is gone for good', async () => {
    const sim = await startSimulator({ link: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    sims.push(sim);
    const { terminal } = await follow(sim, {
      reconnectMs: 60_000,
      locate: async () => {
        throw new DeviceError('E_LINK_GONE', 'the simulator exited with 1');
      },
    });
    const start = Date.now();
    sim.terminal.fault('unplug');
    await expect.poll(() => terminal.state).not.toBe('up');
    await expect(terminal.whenUp(new AbortController().signal)).rejects.toThrow(/the simulator exited with 1/);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});
