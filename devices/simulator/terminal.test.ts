/**
 * The simulated terminal through the bench protocol client over an in-memory link: what a
 * harness sees, without sockets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildTrack2 } from '../formats/track.js';
import { BenchClient } from '../protocols/bench/client.js';
import type { BenchEvent } from '../protocols/bench/messages.js';
import { createMemoryPair } from '../transports/memory.js';
import { startSimulator, type RunningSimulator } from './server.js';
import type { Defect } from './defects.js';

const VISA = buildTrack2({ pan: '4111111111111111', expiry: '3012', serviceCode: '101' });

describe('simulated terminal', () => {
  let sim: RunningSimulator | undefined;
  let client: BenchClient | undefined;
  afterEach(async () => {
    await client?.close();
    await sim?.stop();
  });

  async function start(options: { seed?: number; defects?: Defect[]; hostTimeoutMs?: number } = {}) {
    const [harnessEnd, terminalEnd] = createMemoryPair();
    await harnessEnd.open();
    await terminalEnd.open();
    sim = await startSimulator({ link: { kind: 'memory', transport: terminalEnd }, seed: options.seed ?? 3, ...options });
    client = new BenchClient(harnessEnd);
    const events: BenchEvent[] = [];
    client.onEvent((e) => events.push(e));
    const call = (op: string, args: Record<string, unknown> = {}) => client!.request(op, args, { timeoutMs: 2000 });
    const until = async (name: string) => {
      for (let i = 0; i < 200 && !events.some((e) => e.event === name); i++) await new Promise((r) => setTimeout(r, 10));
      return events.find((e) => e.event === name);
    };
    return { call, events, until, terminal: sim.terminal };
  }

  it('sells with a swipe: card read masked, host, approval, two ESC/POS receipts', async () => {
    const { call, events, until, terminal } = await start();
    expect(await call('sale', { amount: 1250, currency: 'EUR' })).toMatchObject({ ok: true, result: { txnId: 'TXN-000001', state: 'awaiting_card' } });
    expect(terminal.stimulus('swipe', { track: VISA })).toMatchObject({ ok: true });
    await until('printer.output');
    await new Promise((r) => setTimeout(r, 20));
    expect(events.map((e) => e.event)).toEqual(['status.changed', 'display.text', 'card.read', 'status.changed', 'host.request', 'host.response', 'transaction.completed', 'status.changed', 'printer.output', 'printer.output']);
    expect(events.find((e) => e.event === 'card.read')?.data).toMatchObject({ maskedPan: '411111******1111', lrc: 'checked' });
    expect(JSON.stringify(events)).not.toContain('4111111111111111');
  });

  it('refuses a second sale while one is pending, bad arguments, and unknown operations', async () => {
    const { call } = await start();
    await call('sale', { amount: 100, currency: 'EUR' });
    expect(await call('sale', { amount: 100, currency: 'EUR' })).toMatchObject({ ok: false, error: { code: 'BUSY' } });
    expect(await call('refund', { amount: -1 })).toMatchObject({ ok: false, error: { code: 'BAD_ARGS' } });
    expect(await call('teleport')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_OP' } });
  });

  it('rejects bad cards with the reason and keeps waiting for a good one', async () => {
    const { call, events, until, terminal } = await start();
    await call('sale', { amount: 100, currency: 'EUR' });
    terminal.stimulus('swipe', { track: VISA.slice(0, -1) + (VISA.endsWith('0') ? '1' : '0') });
    terminal.stimulus('swipe', { track: ';4111111111111112=3012101?' });
    terminal.stimulus('swipe', { track: ';4111111111111111=2001101?' });
    terminal.stimulus('swipe', { track: VISA });
    await until('transaction.completed');
    expect(events.filter((e) => e.event === 'card.rejected').map((e) => (e.data as { reason: string }).reason)).toEqual(['BAD_LRC', 'LUHN', 'EXPIRED']);
  });

  it('times out a host that does not answer, reverses, and recovers', async () => {
    const { call, events, until, terminal } = await start({ hostTimeoutMs: 100 });
    terminal.stimulus('unplugNetwork', {});
    await call('sale', { amount: 100, currency: 'EUR' });
    terminal.stimulus('swipe', { track: VISA });
    await until('transaction.failed');
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['host.timeout', 'reversal.sent', 'transaction.failed']));
    expect(events.find((e) => e.event === 'transaction.failed')?.data).toMatchObject({ reason: 'HOST_TIMEOUT' });
  });

  it('holds receipts during paper-out and prints them when paper is loaded', async () => {
    const { call, events, until, terminal } = await start();
    terminal.stimulus('paperOut', {});
    await call('sale', { amount: 100, currency: 'EUR' });
    terminal.stimulus('swipe', { track: VISA });
    await until('transaction.completed');
    await new Promise((r) => setTimeout(r, 20));
    expect(events.some((e) => e.event === 'printer.output')).toBe(false);
    terminal.stimulus('paperLoaded', {});
    await new Promise((r) => setTimeout(r, 20));
    expect(events.filter((e) => e.event === 'printer.output')).toHaveLength(2);
  });

  it('replays exactly from the same seed (timestamps aside)', async () => {
    const run = async () => {
      const { call, events, until, terminal } = await start({ seed: 99 });
      await call('sale', { amount: 100, currency: 'EUR' });
      terminal.stimulus('swipe', { track: VISA });
      await until('printer.output');
      await new Promise((r) => setTimeout(r, 20));
      const result = JSON.stringify(events.map((e) => e.data)).replace(/"(at|ts)":"[^"]*"|"latencyMs":\d+|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|[0-9a-f]{40,}/g, '');
      await client!.close();
      await sim!.stop();
      client = undefined;
      sim = undefined;
      return result;
    };
    const first = await run();
    expect(first).toContain('approvalCode');
    expect(await run()).toBe(first);
  });
});
