import { describe, expect, it } from 'vitest';
import { isFlaky, summarize, type CaseRecord } from './record.js';

const at = '2026-11-24T10:00:00.000Z';
const attempt = (n: number, outcome: CaseRecord['outcome']) => ({ attempt: n, outcome, startedAt: at, durationMs: 1, steps: [] });
const kase = (id: string, outcome: CaseRecord['outcome'], extra: Partial<CaseRecord> = {}): CaseRecord => ({
  id, suite: 's', mandatory: true, outcome, startedAt: at, durationMs: 1, attempts: [attempt(1, outcome)], ...extra,
});

describe('summarize', () => {
  it('counts every outcome once and flaky passes both as passed and as flaky', () => {
    const cases = [
      kase('a', 'PASS'),
      kase('b', 'PASS', { flaky: true, attempts: [attempt(1, 'TIMEOUT'), attempt(2, 'PASS')] }),
      kase('c', 'FAIL', { attempts: [attempt(1, 'FAIL'), attempt(2, 'FAIL')] }),
      kase('d', 'ERROR'),
      kase('e', 'TIMEOUT'),
      kase('f', 'SKIPPED', { attempts: [] }),
      kase('g', 'ABORTED', { attempts: [] }),
    ];
    expect(summarize([{ id: 's', file: 'f', sha256: 'x', cases }])).toEqual({
      total: 7, passed: 2, flaky: 1, failed: 1, errors: 1, timeouts: 1, skipped: 1, aborted: 1, outcome: 'ABORTED',
    });
  });

  it('reads a retried pass in a record without the flag as flaky', () => {
    expect(isFlaky(kase('old', 'PASS', { attempts: [attempt(1, 'FAIL'), attempt(2, 'PASS')] }))).toBe(true);
    expect(isFlaky(kase('fail', 'FAIL', { flaky: true }))).toBe(false);
  });
});
