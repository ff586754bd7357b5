/**
 * The bench run's record: `record.json` in the bench run folder (schema
 * harness/config/schemas/bench-run.schema.json) says how each device's run ended and where its
 * own record is; each device's folder keeps its complete run record. `report` and `compare` take
 * either kind of record.json and tell them apart by the bench record's leading `kind`.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../core/errors.js';
import type { RunRecord } from '../core/record.js';
import { readRecord } from '../evidence/journal.js';
import { BENCH_RECORD_KIND, BENCH_RECORD_VERSION, type BenchSummary } from './summary.js';

export interface DeviceRecord {
  device: string;
  record: RunRecord;
}

export interface BenchRecord {
  path: string;
  summary: BenchSummary;
  /** The device runs' records, in the bench record's order; devices that never ran have none. */
  runs: DeviceRecord[];
}

/** Whether a record.json is a bench run's, from its first bytes (a device record may be large). */
export function isBenchRecord(path: string): boolean {
  if (path.endsWith('.ndjson') || !existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(200);
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\{\s*"kind"\s*:\s*"poshil\.bench-run"/.test(head.subarray(0, n).toString('utf8'));
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

export function readBenchRecord(path: string): BenchRecord {
  let summary: BenchSummary;
  try {
    summary = JSON.parse(readFileSync(path, 'utf8')) as BenchSummary;
  } catch (error) {
    throw new InputError('E_RECORD', `${path} is not valid JSON: ${(error as Error).message}`, { file: path });
  }
  if (summary.kind !== BENCH_RECORD_KIND || summary.schemaVersion !== BENCH_RECORD_VERSION || !Array.isArray(summary.devices)) {
    throw new InputError('E_RECORD', `${path} is not a poshil bench record (schemaVersion ${BENCH_RECORD_VERSION})`, { file: path });
  }
  const folder = dirname(path);
  const runs = summary.devices.flatMap((d): DeviceRecord[] => {
    if (d.runDir === undefined) return [];
    // A device run that was killed left its journal only.
    const json = join(folder, d.runDir, 'record.json');
    return [{ device: d.device, record: readRecord(existsSync(json) ? json : join(folder, d.runDir, 'record.ndjson')) }];
  });
  return { path, summary, runs };
}
