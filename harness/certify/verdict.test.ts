import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../core/record.js';
import { sampleRecord } from '../reporters/test-support/records.js';
import { decide, type PlanTerms } from './verdict.js';

const terms = (over: Partial<PlanTerms> = {}): PlanTerms => ({ requires: { capabilities: [] }, thresholds: {}, waivers: [], ...over });

function passing(): RunRecord {
  const record = sampleRecord();
  for (const suite of record.suites) for (const c of suite.cases) c.outcome = 'PASS';
  return record;
}

describe('decide', () => {
  it('certifies a finished run where every mandatory case passed', () => {
    expect(decide(passing(), terms())).toMatchObject({ verdict: 'CERTIFIED', reasons: [] });
  });

  it('names each failing mandatory case, and ignores optional ones', () => {
    const record = sampleRecord();
    record.suites[1]!.cases[0]!.mandatory = false;
    const verdict = decide(record, terms());
    expect(verdict.verdict).toBe('NOT CERTIFIED');
    expect(verdict.reasons).toEqual(['mandatory case smoke/identify FAIL: step 1 (do identify): does not match', 'mandatory case sales/chip SKIPPED: the terminal lacks chip']);
    expect(verdict.cases.find((c) => c.id === 'sale')?.verdict).toBe('NOT REQUIRED');
  });

  it('applies a waiver until it expires', () => {
    const record = passing();
    record.suites[0]!.cases[0]!.outcome = 'FAIL';
    const waiver = { case: 'smoke/identify', reason: 'known', approver: 'QA lead', expires: '2026-12-31' };
    const valid = decide(record, terms({ waivers: [waiver] }), '2026-11-24');
    expect(valid.verdict).toBe('CERTIFIED');
    expect(valid.waivers[0]).toMatchObject({ applied: true });
    const expired = decide(record, terms({ waivers: [waiver] }), '2027-01-01');
    expect(expired.verdict).toBe('NOT CERTIFIED');
    expect(expired.reasons[0]).toContain('its waiver expired on 2026-12-31');
  });

  it('checks requirements and thresholds', () => {
    const record = passing();
    const verdict = decide(record, terms({ requires: { capabilities: ['contactless'], firmware: '^2\\.' }, thresholds: { maxRetriedPasses: 0, maxMarginal: 0 } }));
    expect(verdict.reasons).toEqual([
      'the terminal lacks required capabilities: contactless',
      'firmware 1.0 does not match the plan\'s /^2\\./',
      '1 mandatory cases passed only after a retry (the plan allows 0)',
      '1 measurements are MARGINAL (the plan allows 0)',
    ]);
    expect(decide(sampleRecord('interrupted'), terms()).reasons[0]).toBe('the run did not finish (interrupted)');
  });

  it("counts the capabilities the device profile declares, as the runner does (a ZVT terminal reports none)", () => {
    const record = passing();
    record.device.identity = { ...record.device.identity!, capabilities: [] };
    const requires = { capabilities: ['printer', 'magstripe'] };
    expect(decide(record, terms({ requires })).reasons).toEqual(['the terminal lacks required capabilities: printer, magstripe']);
    record.device.capabilities = ['printer'];
    expect(decide(record, terms({ requires })).reasons).toEqual(['the terminal lacks required capabilities: magstripe']);
    record.device.capabilities = ['printer', 'magstripe'];
    expect(decide(record, terms({ requires })).verdict).toBe('CERTIFIED');
  });
});
