/**
 * Compares two run records — typically the same plan on the old and the new firmware: which
 * cases regressed or recovered, how each measurement moved, and whether a latency distribution
 * changed beyond noise (Mann-Whitney U, because latency is skewed and not normal).
 */
import type { CaseChange, CaseComparison, Comparison, DistributionComparison, MeasurementComparison } from '../core/comparison.js';
import type { CaseRecord, RunRecord, StepRecord } from '../core/record.js';
import { mannWhitneyU, median, quantile } from './statistics.js';

/** A distribution must move by at least this much (relative median change) to count. */
const MIN_EFFECT = 0.05;
const ALPHA = 0.01;

export function compareRecords(before: RunRecord, after: RunRecord, files: { before: string; after: string }): Comparison {
  const a = casesByKey(before);
  const b = casesByKey(after);
  const cases: CaseComparison[] = [];
  for (const [key, ca] of a) {
    const cb = b.get(key);
    if (!cb) {
      cases.push({ key, change: 'removed', before: ca.outcome });
      continue;
    }
    const passedBefore = ca.outcome === 'PASS';
    const passedAfter = cb.outcome === 'PASS';
    const skipped = ca.outcome === 'SKIPPED' && cb.outcome === 'SKIPPED';
    const change: CaseChange = passedBefore && passedAfter ? 'still passing' : passedBefore ? 'regressed' : passedAfter ? 'recovered' : skipped ? 'still skipped' : 'still failing';
    cases.push({ key, change, before: ca.outcome, after: cb.outcome, ...(!passedAfter && cb.reason ? { reasonAfter: cb.reason } : {}) });
  }
  for (const [key, cb] of b) if (!a.has(key)) cases.push({ key, change: 'added', after: cb.outcome, ...(cb.reason ? { reasonAfter: cb.reason } : {}) });

  const measurements: MeasurementComparison[] = [];
  const distributions: DistributionComparison[] = [];
  for (const [key, ca] of a) {
    const cb = b.get(key);
    if (!cb) continue;
    const stepsA = lastSteps(ca);
    const stepsB = lastSteps(cb);
    for (const sa of stepsA) {
      const sb = stepsB.find((s) => s.index === sa.index && s.label === sa.label);
      if (!sb) continue;
      for (const ma of sa.measurements ?? []) {
        const mb = sb.measurements?.find((m) => m.name === ma.name);
        if (!mb || !Number.isFinite(ma.value) || !Number.isFinite(mb.value)) continue;
        const delta = mb.value - ma.value;
        measurements.push({
          key: `${key}/${ma.name}`,
          unit: ma.unit,
          before: ma.value,
          after: mb.value,
          delta: round(delta),
          ...(ma.value !== 0 ? { deltaPercent: round((100 * delta) / Math.abs(ma.value)) } : {}),
          verdictBefore: ma.verdict,
          verdictAfter: mb.verdict,
        });
      }
      const da = samples(sa);
      const db = samples(sb);
      if (da.length >= 5 && db.length >= 5) distributions.push(compareDistributions(`${key}/${sa.label}`, da, db));
    }
  }
  const counts = { regressed: 0, recovered: 0, 'still failing': 0, 'still passing': 0, 'still skipped': 0, added: 0, removed: 0 } satisfies Record<CaseChange, number>;
  for (const c of cases) counts[c.change]++;
  const describe = (r: RunRecord, file: string) => {
    // The firmware under test is the one at the start; an upgrade suite may leave another behind.
    const start = r.device.identityAtStart ?? r.device.identity;
    const end = r.device.identity;
    return {
      runId: r.runId,
      startedAt: r.startedAt,
      file,
      ...(start ? { firmware: start.firmware } : {}),
      ...(end && start && end.firmware !== start.firmware ? { firmwareAtEnd: end.firmware } : {}),
    };
  };
  const incomplete = incompleteRun(after);
  const differences = differencesBetween(before, after);
  return {
    before: describe(before, files.before),
    after: describe(after, files.after),
    cases,
    measurements,
    distributions,
    counts,
    ...(incomplete ? { incomplete } : {}),
    ...(differences.length ? { differences } : {}),
    worse: counts.regressed > 0 || distributions.some((d) => d.finding === 'slower') || incomplete !== undefined,
  };
}

/**
 * A firmware that bricks the terminal, or a run killed half-way, leaves cases out of the second
 * record: "removed" then means lost, and the comparison must not pass the firmware on the rest.
 */
function incompleteRun(record: RunRecord): string | undefined {
  if (record.status === 'finished' || record.status === 'running') return undefined;
  const why = record.error ? `: ${record.error.message} [${record.error.code}]` : '';
  return `the second run did not finish (status ${record.status}${why})`;
}

/** Comparing firmware means the same terminal, protocol and profile on both sides: whatever else differs is said. */
function differencesBetween(before: RunRecord, after: RunRecord): string[] {
  const said: string[] = [];
  const a = before.device.identityAtStart ?? before.device.identity;
  const b = after.device.identityAtStart ?? after.device.identity;
  const differ = (what: string, x: string | undefined, y: string | undefined) => {
    if (x !== undefined && y !== undefined && x !== y) said.push(`${what} ${x} before, ${y} after`);
  };
  differ('model', a?.model, b?.model);
  differ('serial number', a?.serialNumber, b?.serialNumber);
  differ('protocol', before.device.protocol, after.device.protocol);
  // The same profile may be named by another path (run from another folder, another host): its content decides.
  const profileOf = (r: RunRecord) => r.inputs.find((i) => i.kind === 'profile');
  const [pa, pb] = [profileOf(before), profileOf(after)];
  if (pa && pb && pa.sha256 !== pb.sha256) said.push(`device profile ${pa.path} before, ${pb.path}${pa.path === pb.path ? ' changed' : ''} after`);
  return said;
}

export function compareDistributions(key: string, before: number[], after: number[]): DistributionComparison {
  const sortedA = [...before].sort((x, y) => x - y);
  const sortedB = [...after].sort((x, y) => x - y);
  const medianBefore = median(sortedA);
  const medianAfter = median(sortedB);
  const pValue = mannWhitneyU(sortedA, sortedB);
  const effect = medianBefore > 0 ? (medianAfter - medianBefore) / medianBefore : 0;
  const finding = pValue < ALPHA && Math.abs(effect) >= MIN_EFFECT ? (effect > 0 ? 'slower' : 'faster') : 'no significant change';
  return {
    key,
    samplesBefore: before.length,
    samplesAfter: after.length,
    medianBefore: round(medianBefore),
    medianAfter: round(medianAfter),
    p95Before: round(quantile(sortedA, 0.95)),
    p95After: round(quantile(sortedB, 0.95)),
    pValue: Number(pValue.toPrecision(3)),
    finding,
  };
}

function casesByKey(record: RunRecord): Map<string, CaseRecord> {
  return new Map(record.suites.flatMap((s) => s.cases.map((c) => [`${s.id}/${c.id}`, c] as const)));
}

function lastSteps(c: CaseRecord): StepRecord[] {
  return c.attempts.at(-1)?.steps ?? [];
}

function samples(step: StepRecord): number[] {
  const latency = step.details?.['latency'] as { samplesMs?: unknown } | undefined;
  return Array.isArray(latency?.samplesMs) ? latency.samplesMs.filter((v): v is number => typeof v === 'number') : [];
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
