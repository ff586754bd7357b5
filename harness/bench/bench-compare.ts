/**
 * Two bench runs compared, e.g. a fleet on the old firmware and on the new. Fleet runs are
 * compared device by device (matched by name); when either run dealt its cases out (--spread),
 * which device ran a case is chance, so each run's devices are taken together as one set of
 * cases, each case under its own key.
 */
import type { Comparison } from '../core/comparison.js';
import type { RunRecord } from '../core/record.js';
import { compareRecords } from '../compare/compare.js';
import type { BenchRecord, DeviceRecord } from './bench-record.js';

export interface DeviceComparison {
  /** The device's name, or "all devices" for spread runs. */
  device: string;
  comparison?: Comparison;
  /** Why there is no comparison: the device ran on one side only. */
  missing?: 'before' | 'after';
}

export interface BenchComparison {
  before: { benchRunId: string; bench: string; mode: string };
  after: { benchRunId: string; bench: string; mode: string };
  devices: DeviceComparison[];
  /** A device's comparison got worse, or a device that ran before did not run after. */
  worse: boolean;
}

export function compareBenches(before: BenchRecord, after: BenchRecord): BenchComparison {
  const side = (b: BenchRecord) => ({ benchRunId: b.summary.benchRunId, bench: b.summary.bench.name, mode: b.summary.mode });
  const pooled = before.summary.mode === 'spread' || after.summary.mode === 'spread';
  const devices = pooled ? [compareSets(before, after)] : compareDevices(before.runs, after.runs, before.path, after.path);
  return { before: side(before), after: side(after), devices, worse: devices.some((d) => d.missing === 'after' || d.comparison?.worse === true) };
}

function compareDevices(before: readonly DeviceRecord[], after: readonly DeviceRecord[], beforePath: string, afterPath: string): DeviceComparison[] {
  const names = [...new Set([...before.map((r) => r.device), ...after.map((r) => r.device)])];
  return names.map((device): DeviceComparison => {
    const a = before.find((r) => r.device === device);
    const b = after.find((r) => r.device === device);
    if (!a) return { device, missing: 'before' };
    if (!b) return { device, missing: 'after' };
    return { device, comparison: compareRecords(a.record, b.record, { before: `${beforePath} (${device})`, after: `${afterPath} (${device})` }) };
  });
}

function compareSets(before: BenchRecord, after: BenchRecord): DeviceComparison {
  const a = pooledRecord(before);
  const b = pooledRecord(after);
  if (!a) return { device: 'all devices', missing: 'before' };
  if (!b) return { device: 'all devices', missing: 'after' };
  return { device: 'all devices', comparison: compareRecords(a, b, { before: before.path, after: after.path }) };
}

/** Every device's cases in one record: a suite's cases from all devices under that suite. */
function pooledRecord(bench: BenchRecord): RunRecord | undefined {
  const first = bench.runs[0]?.record;
  if (!first) return undefined;
  const suites = new Map<string, RunRecord['suites'][number]>();
  for (const { record } of bench.runs) {
    for (const suite of record.suites) {
      const into = suites.get(suite.id);
      if (into) into.cases.push(...suite.cases);
      else suites.set(suite.id, { ...suite, cases: [...suite.cases] });
    }
  }
  return { ...first, runId: bench.summary.benchRunId, suites: [...suites.values()] };
}
