import { describe, expect, it } from 'vitest';
import type { DeviceIdentity, RunRecord } from '../core/record.js';
import { compareRecords } from './compare.js';

const identity = (firmware: string): DeviceIdentity => ({ model: 'M', serialNumber: 'S', firmware, capabilities: [] });

function record(runId: string, start: string, end = start): RunRecord {
  return {
    schemaVersion: 1,
    runId,
    tool: { name: 'poshil', version: '0', node: 'v20' },
    host: 'h',
    startedAt: '2026-11-24T10:00:00.000Z',
    options: { retries: 0 },
    device: { profile: 'p', name: 'n', protocol: 'bench', address: 'a', identity: identity(end), ...(end !== start ? { identityAtStart: identity(start) } : {}) },
    inputs: [],
    status: 'finished',
    suites: [],
    summary: { total: 0, passed: 0, failed: 0, errors: 0, timeouts: 0, skipped: 0, aborted: 0, outcome: 'SKIPPED' },
  };
}

describe('compareRecords', () => {
  it('names the firmware each run started with, and the one it ended with when an upgrade changed it', () => {
    const c = compareRecords(record('old', '1.4.2', '1.5.0'), record('new', '1.5.0'), { before: 'a', after: 'b' });
    expect(c.before).toMatchObject({ runId: 'old', firmware: '1.4.2', firmwareAtEnd: '1.5.0' });
    expect(c.after).toMatchObject({ runId: 'new', firmware: '1.5.0' });
    expect(c.after).not.toHaveProperty('firmwareAtEnd');
    expect(c).not.toHaveProperty('differences');
  });

  it('says when the runs were not of the same terminal, protocol or profile, without judging it', () => {
    const old = record('old', '1.4.2');
    old.inputs = [{ kind: 'profile', path: 'devices/p.json', sha256: 'a'.repeat(64) }];
    const zvt = record('new', '1.5.0');
    zvt.device = { ...zvt.device, protocol: 'zvt', identity: { ...identity('1.5.0'), serialNumber: 'T' } };
    zvt.inputs = [{ kind: 'profile', path: '/lab/devices/q.json', sha256: 'b'.repeat(64) }];
    const c = compareRecords(old, zvt, { before: 'a', after: 'b' });
    expect(c.differences).toEqual(['serial number S before, T after', 'protocol bench before, zvt after', 'device profile devices/p.json before, /lab/devices/q.json after']);
    // The same profile by another path is the same set-up.
    const moved = record('new', '1.5.0');
    moved.inputs = [{ kind: 'profile', path: '/elsewhere/p.json', sha256: 'a'.repeat(64) }];
    expect(compareRecords(old, moved, { before: 'a', after: 'b' })).not.toHaveProperty('differences');
    expect(c.worse).toBe(false);
  });
});

describe('compareRecords: case changes', () => {
  const withCases = (runId: string, outcomes: Record<string, 'PASS' | 'FAIL' | 'SKIPPED'>): RunRecord => ({
    ...record(runId, '1.4.2'),
    suites: [
      {
        id: 's',
        file: 's.suite.yaml',
        sha256: '0',
        cases: Object.entries(outcomes).map(([id, outcome]) => ({ id, suite: 's', mandatory: true, outcome, startedAt: '2026-11-24T10:00:00.000Z', durationMs: 1, attempts: [] })),
      },
    ],
  });

  it('keeps a case skipped in both runs apart from failures, and a pass that became a skip is a regression', () => {
    const c = compareRecords(withCases('a', { skip: 'SKIPPED', fail: 'FAIL', lost: 'PASS' }), withCases('b', { skip: 'SKIPPED', fail: 'FAIL', lost: 'SKIPPED' }), { before: 'a', after: 'b' });
    expect(Object.fromEntries(c.cases.map((k) => [k.key, k.change]))).toEqual({ 's/skip': 'still skipped', 's/fail': 'still failing', 's/lost': 'regressed' });
    expect(c.counts).toMatchObject({ 'still skipped': 1, 'still failing': 1, regressed: 1 });
    expect(c.worse).toBe(true);
  });

  it('judges a second run that did not finish worse: its missing cases were lost, not removed from the suite', () => {
    const before = withCases('a', { identify: 'PASS', sale: 'PASS' });
    const bricked = { ...withCases('b', {}), status: 'error' as const, error: { code: 'E_CONNECT', message: 'connection refused' } };
    const c = compareRecords(before, bricked, { before: 'a', after: 'b' });
    expect(c.counts.removed).toBe(2);
    expect(c.incomplete).toBe('the second run did not finish (status error: connection refused [E_CONNECT])');
    expect(c.worse).toBe(true);
    expect(compareRecords(before, { ...withCases('c', { identify: 'PASS' }), status: 'crashed' as const }, { before: 'a', after: 'c' }).worse).toBe(true);
    // A suite that dropped a case, run to its end, is not worse for it.
    expect(compareRecords(before, withCases('d', { identify: 'PASS' }), { before: 'a', after: 'd' }).worse).toBe(false);
  });
});
