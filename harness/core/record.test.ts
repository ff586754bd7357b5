import { describe, expect, it } from 'vitest';
import { foldJournal, isFlaky, summarize, type CaseRecord, type JournalEntry, type LinkOutage, type RunHeader } from './record.js';

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
      total: 7, passed: 2, flaky: 1, failed: 1, errors: 1, timeouts: 1, skipped: 1, aborted: 1, outcome: 'ERROR',
    });
  });

  it('is ABORTED for a case stopped mid-way, not for cases --max-failures kept from starting after a failure', () => {
    const suite = (cases: CaseRecord[]) => [{ id: 's', file: 'f', sha256: 'x', cases }];
    expect(summarize(suite([kase('a', 'FAIL'), kase('b', 'ABORTED', { attempts: [] })])).outcome).toBe('FAIL');
    expect(summarize(suite([kase('a', 'FAIL'), kase('b', 'ABORTED')])).outcome).toBe('ABORTED');
    // Ctrl-C between two cases: nothing failed, but the run did not do what it was given.
    expect(summarize(suite([kase('a', 'PASS'), kase('b', 'ABORTED', { attempts: [] })])).outcome).toBe('ABORTED');
  });

  it('reads a retried pass in a record without the flag as flaky', () => {
    expect(isFlaky(kase('old', 'PASS', { attempts: [attempt(1, 'FAIL'), attempt(2, 'PASS')] }))).toBe(true);
    expect(isFlaky(kase('fail', 'FAIL', { flaky: true }))).toBe(false);
  });
});

describe('foldJournal and link outages', () => {
  const header: RunHeader = {
    schemaVersion: 1, runId: 'r', tool: { name: 'poshil', version: '0', node: 'v20' }, host: 'h', startedAt: at, options: { retries: 0 },
    device: { profile: 'p.json', name: 'p', protocol: 'bench', address: 'serial:/dev/pts/1' }, inputs: [],
  };
  const identity = (firmware: string) => ({ model: 'm', serialNumber: 's', firmware, capabilities: [] });
  const outage: LinkOutage = { downAt: at, backAt: at, downMs: 400, expected: true, during: 'u/c step 9 (do upgrade)', cause: 'closed', addressBefore: 'serial:/dev/pts/1', addressAfter: 'serial:/dev/pts/3', attempts: 2 };

  it('keeps each outage in order, and the address and identity the terminal came back with', () => {
    const entries: JournalEntry[] = [
      { type: 'run.started', header },
      { type: 'device.identified', identity: identity('1.4.2'), address: 'serial:/dev/pts/1' },
      { type: 'device.identified', identity: identity('1.5.0'), address: 'serial:/dev/pts/3' },
      { type: 'link.outage', outage },
      { type: 'link.outage', outage: { ...outage, backAt: undefined, addressAfter: undefined, expected: false, gaveUp: 'gone' } },
    ];
    const record = foldJournal(entries)!;
    expect(record.outages?.map((o) => o.expected)).toEqual([true, false]);
    expect(record.device).toMatchObject({ address: 'serial:/dev/pts/3', identity: { firmware: '1.5.0' }, identityAtStart: { firmware: '1.4.2' } });
  });

  it('leaves a record without outages as records were before', () => {
    expect(foldJournal([{ type: 'run.started', header }])).not.toHaveProperty('outages');
  });
});
