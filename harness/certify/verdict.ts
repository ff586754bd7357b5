/**
 * The certification verdict from a finished run record and its plan: CERTIFIED only when the
 * run finished, the terminal is what the plan requires, every mandatory case passed or carries
 * a valid waiver, and every threshold holds. Each reason against is stated.
 */
import type { CaseVerdict, Waiver, WaiverUse } from '../core/certificate.js';
import { isFlaky, type CaseRecord, type PlanVerdict, type RunRecord } from '../core/record.js';
import type { PlanThresholds } from '../config/plan.js';

export interface PlanTerms {
  requires: { capabilities: string[]; protocol?: string; firmware?: string };
  thresholds: PlanThresholds;
  waivers: Waiver[];
}

export interface Verdict {
  verdict: 'CERTIFIED' | 'NOT CERTIFIED';
  reasons: string[];
  cases: { suite: string; id: string; verdict: CaseVerdict }[];
  waivers: WaiverUse[];
}

export function decide(record: RunRecord, terms: PlanTerms, today: string = new Date().toISOString().slice(0, 10)): Verdict {
  const reasons: string[] = [];
  if (record.status !== 'finished') reasons.push(`the run did not finish (${record.status})`);
  if (record.error) reasons.push(`the run failed: ${record.error.message}`);

  const identity = record.device.identity;
  if (!identity) reasons.push('the terminal never identified itself');
  else {
    // As the runner counts them: what the terminal reports, and what its profile declares.
    const capabilities = new Set([...identity.capabilities, ...(record.device.capabilities ?? [])]);
    const missing = terms.requires.capabilities.filter((c) => !capabilities.has(c));
    if (missing.length) reasons.push(`the terminal lacks required capabilities: ${missing.join(', ')}`);
    if (terms.requires.firmware && !new RegExp(terms.requires.firmware).test(identity.firmware)) {
      reasons.push(`firmware ${identity.firmware} does not match the plan's /${terms.requires.firmware}/`);
    }
  }
  if (terms.requires.protocol && record.device.protocol !== terms.requires.protocol) {
    reasons.push(`the plan requires protocol ${terms.requires.protocol}, the run used ${record.device.protocol}`);
  }

  const waivers: WaiverUse[] = terms.waivers.map((w) => ({ ...w, applied: false, note: w.expires < today ? `expired on ${w.expires}` : 'not needed: the case passed' }));
  const all: CaseRecord[] = record.suites.flatMap((s) => s.cases);
  const cases = all.map((c) => {
    const key = `${c.suite}/${c.id}`;
    if (c.outcome === 'PASS') return { suite: c.suite, id: c.id, verdict: 'PASS' as const };
    if (!c.mandatory) return { suite: c.suite, id: c.id, verdict: 'NOT REQUIRED' as const };
    const waiver = waivers.find((w) => w.case === key);
    if (waiver && waiver.expires >= today) {
      waiver.applied = true;
      waiver.note = `applied: ${c.outcome} accepted`;
      return { suite: c.suite, id: c.id, verdict: 'WAIVED' as const };
    }
    reasons.push(`mandatory case ${key} ${c.outcome}${c.reason ? `: ${c.reason}` : ''}${waiver ? ` (its waiver expired on ${waiver.expires})` : ''}`);
    return { suite: c.suite, id: c.id, verdict: 'FAIL' as const };
  });
  if (all.length === 0) reasons.push('the plan ran no case');

  const { passRate, maxRetriedPasses, maxMarginal } = terms.thresholds;
  if (passRate !== undefined && all.length > 0) {
    const rate = (100 * all.filter((c) => c.outcome === 'PASS').length) / all.length;
    if (rate < passRate) reasons.push(`pass rate ${rate.toFixed(1)} % is below the plan's ${passRate} %`);
  }
  if (maxRetriedPasses !== undefined) {
    const retried = all.filter((c) => c.mandatory && isFlaky(c)).length;
    if (retried > maxRetriedPasses) reasons.push(`${retried} mandatory cases passed only after a retry (the plan allows ${maxRetriedPasses})`);
  }
  if (maxMarginal !== undefined) {
    const marginal = all.flatMap((c) => c.attempts.at(-1)?.steps ?? []).flatMap((s) => s.measurements ?? []).filter((m) => m.verdict === 'MARGINAL').length;
    if (marginal > maxMarginal) reasons.push(`${marginal} measurements are MARGINAL (the plan allows ${maxMarginal})`);
  }
  return { verdict: reasons.length === 0 ? 'CERTIFIED' : 'NOT CERTIFIED', reasons, cases, waivers };
}

/** The verdict as a run's record keeps it (`run --plan`, `certify`): met, why not, what was waived. */
export function planVerdict(record: RunRecord, plan: PlanTerms & { id: string; version: string }): PlanVerdict {
  const verdict = decide(record, plan);
  const waived = verdict.waivers.filter((w) => w.applied).map((w) => ({ case: w.case, reason: w.reason, approver: w.approver, expires: w.expires }));
  return { id: plan.id, version: plan.version, met: verdict.verdict === 'CERTIFIED', reasons: verdict.reasons, ...(waived.length ? { waived } : {}) };
}
