import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { InputError } from '../../harness/core/errors.js';
import { EVENTS } from '../drivers/catalogue.js';
import { buildTrack2 } from '../formats/track.js';
import { injectFaults, loadFaultPlan, type Fault, type FaultTarget } from './faults.js';
import { TerminalHealthModel } from './health.js';
import { SeededRandom } from './random.js';
import { SimulatedTerminal } from './terminal.js';

const dir = mkdtempSync(join(tmpdir(), 'poshil-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.useRealTimers());

function plan(text: string): string {
  const path = join(dir, `plan-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

describe('fault plans', () => {
  it('fire a rule once, a time after the start, and stop doing so when stopped', () => {
    vi.useFakeTimers();
    const fired: [Fault, number | undefined][] = [];
    const target: FaultTarget = { fault: (name, ms) => fired.push([name, ms]), onEvent: () => () => undefined };
    const rules = loadFaultPlan(plan('faults:\n  - { afterMs: 30000, fault: slowDown, durationMs: 300 }\n  - { afterMs: 60000, fault: reboot }\n'));
    const stop = injectFaults(target, rules, 1);
    vi.advanceTimersByTime(29_999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([['slowDown', 300]]);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(fired).toHaveLength(1);
  });

  it('refuse a rule with both or neither of on and afterMs, and afterMs with nth', () => {
    expect(() => loadFaultPlan(plan('faults:\n  - { fault: slowDown }\n'))).toThrow(/needs either "on".*or "afterMs"/);
    expect(() => loadFaultPlan(plan('faults:\n  - { on: host.request, afterMs: 5, fault: slowDown }\n'))).toThrow(/needs either/);
    expect(() => loadFaultPlan(plan('faults:\n  - { afterMs: 5, nth: 2, fault: slowDown }\n'))).toThrow(/fires once/);
    expect(() => loadFaultPlan(plan('faults:\n  - { afterMs: -5, fault: slowDown }\n'))).toThrow(/afterMs must be a positive whole number/);
  });

  it('refuse an event the simulator never sends, with the one meant, the file, the rule and its line', () => {
    const path = plan('faults:\n  - { on: host.request, fault: slowHost }\n  - on: host.reqest\n    fault: hostTimeout\n');
    let error: unknown;
    try {
      loadFaultPlan(path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'E_FAULT_PLAN', exitCode: 2, context: { file: path, pointer: '/faults/1/on', line: 3 } });
    expect((error as Error).message).toMatch(/\/faults\/1\/on is "host\.reqest", an event the simulator never sends: did you mean "host\.request"\?/);
    expect((error as InputError).context.hint).toMatch(/^a rule fires on one of: terminal\.ready, .*host\.request, .*log\.line$/);
    // Nothing near it: no guess, and the hint still lists the events.
    expect(() => loadFaultPlan(plan('faults:\n  - { on: coffee.brewed, fault: paperOut }\n'))).toThrow(/"coffee\.brewed", an event the simulator never sends$/);
  });

  it('take every event the simulator sends, and suggest the fault meant', () => {
    for (const event of EVENTS) expect(loadFaultPlan(plan(`faults:\n  - { on: ${event}, fault: paperOut }\n`))).toEqual([{ on: event, fault: 'paperOut' }]);
    expect(() => loadFaultPlan(plan('faults:\n  - { on: card.read, fault: garbel }\n'))).toThrow(/\/faults\/0 needs "fault", one of .* \(did you mean "garble"\?\)/);
  });
});

describe('a terminal that slows down', () => {
  async function sale(terminal: SimulatedTerminal): Promise<number> {
    const done = new Promise<number>((resolve) => {
      const start = performance.now();
      const off = terminal.onEvent((event) => {
        if (event === 'transaction.completed') (off(), resolve(performance.now() - start));
      });
    });
    expect((await terminal.handle('sale', { amount: 100, currency: 'EUR' })).ok).toBe(true);
    terminal.stimulus('swipe', { track: buildTrack2({ pan: '4111111111111111', expiry: '3012', serviceCode: '101' }) });
    return done;
  }

  it('takes the added time on every authorisation from the fault on, and more with each one', async () => {
    const terminal = new SimulatedTerminal({ hostLatencyMs: [0, 0] });
    expect(await sale(terminal)).toBeLessThan(100);
    terminal.fault('slowDown', 150);
    expect(await sale(terminal)).toBeGreaterThanOrEqual(145);
    expect(await sale(terminal)).toBeGreaterThanOrEqual(145);
    terminal.fault('slowDown', 150);
    expect(await sale(terminal)).toBeGreaterThanOrEqual(295);
    terminal.shutdown();
  });
});

describe('the terminal\'s health in status', () => {
  it('reports free memory that shrinks with the batch and a temperature that follows the work', () => {
    let now = 0;
    const model = new TerminalHealthModel(new SeededRandom(5), () => now);
    const idle = model.reading(0, 0);
    expect(idle.freeMemoryKb).toBeGreaterThan(65_000);
    expect(idle.temperatureC).toBeGreaterThan(30);
    expect(idle.temperatureC).toBeLessThan(32);
    // Five authorisations a second for ten minutes.
    for (let i = 0; i < 3000; i++) (now += 200), model.worked();
    const busy = model.reading(3000, 4);
    expect(busy.freeMemoryKb).toBeLessThan(idle.freeMemoryKb - 1400);
    expect(busy.temperatureC).toBeGreaterThan(45);
    expect(busy.temperatureC).toBeLessThan(52);
    // Half an hour of rest cools it back near the room.
    now += 1_800_000;
    expect(model.reading(0, 0).temperatureC).toBeLessThan(32);
  });

  it('is part of the status answer', async () => {
    const status = await new SimulatedTerminal().handle('status', {});
    expect(status).toMatchObject({ ok: true, result: { state: 'idle', freeMemoryKb: expect.any(Number), temperatureC: expect.any(Number) } });
  });
});
