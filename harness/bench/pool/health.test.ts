import { describe, expect, it } from 'vitest';
import { afterRun, heldForMaintenance, isRunnable, newHealth, released, type DeviceHealth, type RunEnding } from './health.js';

const T0 = new Date('2026-11-25T10:00:00Z');
const result = (exitCode: number) => ({ benchRunId: 'r', at: T0.toISOString(), exitCode, outcome: exitCode === 0 ? 'PASS' : 'ERROR' });
const answered: RunEnding = { kind: 'answered', result: result(0) };
const failed: RunEnding = { kind: 'device-failure', result: result(3), reason: 'no answer to identify within 5000 ms' };
const interrupted: RunEnding = { kind: 'interrupted', result: result(130) };

function play(endings: RunEnding[], quarantineAfter = 3, start: DeviceHealth = newHealth(T0)): DeviceHealth {
  return endings.reduce((h, e) => afterRun(h, e, quarantineAfter, T0), start);
}

describe('device health', () => {
  const table: [string, RunEnding[], number, DeviceHealth['state'], number][] = [
    ['a new device', [], 3, 'good', 0],
    ['one device error', [failed], 3, 'good', 1],
    ['two device errors', [failed, failed], 3, 'good', 2],
    ['three in a row', [failed, failed, failed], 3, 'quarantined', 3],
    ['two, then an answer, then two', [failed, failed, answered, failed, failed], 3, 'good', 2],
    ['an interruption between failures does not reset the count', [failed, interrupted, failed, failed], 3, 'quarantined', 3],
    ['quarantineAfter 1', [failed], 1, 'quarantined', 1],
    ['a failing case is not a device error', [answered, answered], 1, 'good', 0],
  ];
  it.each(table)('%s', (_what, endings, after, state, failures) => {
    const health = play(endings, after);
    expect(health.state).toBe(state);
    expect(health.consecutiveFailures).toBe(failures);
    expect(isRunnable(health)).toBe(state === 'good');
  });

  it('says why it quarantined a device, with the last error', () => {
    const health = play([failed, failed, failed]);
    expect(health.reason).toBe('3 runs in a row ended in a device error; the last: no answer to identify within 5000 ms');
    expect(health.lastResult?.exitCode).toBe(3);
  });

  it('stays quarantined whatever runs report, until a person releases it', () => {
    const quarantined = play([failed, failed, failed]);
    expect(play([answered], 3, quarantined).state).toBe('quarantined');
    const back = released(quarantined, 'alice', T0);
    expect(back.state).toBe('good');
    expect(back.consecutiveFailures).toBe(0);
    expect(back.reason).toMatch(/^released by alice \(was quarantined: 3 runs/);
  });

  it('keeps a device in maintenance with the reason a person gave', () => {
    const held = heldForMaintenance(newHealth(T0), 'paper jam', T0);
    expect(held.state).toBe('maintenance');
    expect(isRunnable(held)).toBe(false);
    expect(play([failed, failed, failed], 3, held).state).toBe('maintenance');
  });
});
