/**
 * `poshil lab results` and `poshil lab compare`: the lab's history from its database. Grouped by
 * firmware, model, suite, site or day: runs, cases, pass rate, payment success rate, tx/s and
 * latency p50/p99 (the figures of the load steps). Compare sets two firmware versions side by
 * side, case by case, and says whether a change in pass rate is more than chance (Fisher's exact
 * test on the pass/fail counts).
 */
import { consoleText } from '../core/console-text.js';
import type pg from 'pg';
import { fisherExact } from '../compare/statistics.js';
import { InputError } from '../core/errors.js';

/**
 * The runs whose cases count: a crashed run's uploaded cases ran as much as a finished run's (its
 * worker died after them), and a late one's lease was taken away after it had run.
 */
export const COUNTED_RUNS = "r.state IN ('finished', 'late', 'crashed')";

/** A case's own firmware: a run that upgraded the terminal ran its first cases on the one before. */
const CASE_FIRMWARE = 'coalesce(c.firmware, r.firmware)';

export const GROUPS = { firmware: CASE_FIRMWARE, model: 'r.model', suite: 'c.suite', site: 'r.site', day: "to_char(date_trunc('day', r.started_at), 'YYYY-MM-DD')", device: 'r.device_id' } as const;
export type GroupBy = keyof typeof GROUPS;

export interface ResultFilter {
  suite?: string;
  sinceMs?: number;
  firmware?: string;
  by: GroupBy;
}

export interface GroupFigures {
  group: string;
  runs: number;
  cases: number;
  passed: number;
  passRate: number;
  paymentSuccessRate: number | null;
  tps: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

export async function labResults(pool: pg.Pool, filter: ResultFilter): Promise<GroupFigures[]> {
  const group = GROUPS[filter.by];
  if (!group) throw new InputError('E_OPTION', `--by must be one of ${Object.keys(GROUPS).join(', ')}`);
  const { rows } = await pool.query<{ grp: string | null; runs: string; cases: string; passed: string; success: number | null; tps: number | null; p50: number | null; p99: number | null }>(
    `SELECT ${group} AS grp, count(DISTINCT r.id) AS runs, count(*) AS cases, count(*) FILTER (WHERE c.outcome = 'PASS') AS passed,
            avg((c.measurements->>'successRate')::float8) AS success, avg((c.measurements->>'tps')::float8) AS tps,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY (c.measurements->>'p50')::float8) AS p50,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY (c.measurements->>'p99')::float8) AS p99
       FROM lab.case_results c JOIN lab.runs r ON r.id = c.run_id
      WHERE ${COUNTED_RUNS} AND c.outcome <> 'SKIPPED'
        AND ($1::text IS NULL OR c.suite = $1) AND ($2::float8 IS NULL OR r.started_at > now() - $2 * interval '1 millisecond')
        AND ($3::text IS NULL OR ${CASE_FIRMWARE} = $3)
      GROUP BY 1 ORDER BY 1`,
    [filter.suite ?? null, filter.sinceMs ?? null, filter.firmware ?? null],
  );
  return rows.map((r) => ({
    group: r.grp ?? '(unknown)',
    runs: Number(r.runs),
    cases: Number(r.cases),
    passed: Number(r.passed),
    passRate: round((100 * Number(r.passed)) / Number(r.cases)),
    paymentSuccessRate: roundOrNull(r.success),
    tps: roundOrNull(r.tps),
    p50Ms: roundOrNull(r.p50),
    p99Ms: roundOrNull(r.p99),
  }));
}

export function formatResults(rows: readonly GroupFigures[], by: GroupBy): string {
  const head = [by, 'runs', 'cases', 'pass %', 'payments ok %', 'tx/s', 'p50 ms', 'p99 ms'];
  const body = rows.map((r) => [consoleText(String(r.group)), r.runs, r.cases, r.passRate, r.paymentSuccessRate ?? '-', r.tps ?? '-', r.p50Ms ?? '-', r.p99Ms ?? '-'].map(String));
  if (body.length === 0) return 'no results in the lab match\n';
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return [head, ...body].map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n') + '\n';
}

export interface CaseChange {
  suite: string;
  caseId: string;
  a: { passed: number; total: number };
  b: { passed: number; total: number };
  /** Two-sided Fisher exact test on the 2×2 pass/fail table (1 for a case run under one firmware only). */
  pValue: number;
  /** `only-a`, `only-b`: run under that firmware alone, so not compared (a case the new firmware never ran is no sign of anything). */
  verdict: 'better' | 'worse' | 'same' | 'only-a' | 'only-b';
}

/** The firmware versions the lab has case results for (within `sinceMs`), each case under its own. */
export async function firmwareWithResults(pool: pg.Pool, sinceMs?: number): Promise<string[]> {
  const { rows } = await pool.query<{ firmware: string }>(
    `SELECT DISTINCT ${CASE_FIRMWARE} AS firmware FROM lab.case_results c JOIN lab.runs r ON r.id = c.run_id
      WHERE ${COUNTED_RUNS} AND ${CASE_FIRMWARE} IS NOT NULL AND ($1::float8 IS NULL OR r.started_at > now() - $1 * interval '1 millisecond') ORDER BY 1`,
    [sinceMs ?? null],
  );
  return rows.map((r) => r.firmware);
}

/** Case by case, how firmware B fares against firmware A across the whole fleet. */
export async function labCompare(pool: pg.Pool, a: string, b: string, options: { suite?: string; sinceMs?: number; alpha?: number } = {}): Promise<CaseChange[]> {
  const { rows } = await pool.query<{ suite: string; case_id: string; firmware: string; passed: string; total: string }>(
    `SELECT c.suite, c.case_id, ${CASE_FIRMWARE} AS firmware, count(*) FILTER (WHERE c.outcome = 'PASS') AS passed, count(*) AS total
       FROM lab.case_results c JOIN lab.runs r ON r.id = c.run_id
      WHERE ${COUNTED_RUNS} AND c.outcome <> 'SKIPPED' AND ${CASE_FIRMWARE} = ANY($1)
        AND ($2::text IS NULL OR c.suite = $2) AND ($3::float8 IS NULL OR r.started_at > now() - $3 * interval '1 millisecond')
      GROUP BY 1, 2, 3 ORDER BY 1, 2`,
    [[a, b], options.suite ?? null, options.sinceMs ?? null],
  );
  const byCase = new Map<string, CaseChange>();
  for (const row of rows) {
    const key = `${row.suite}/${row.case_id}`;
    const change = byCase.get(key) ?? { suite: row.suite, caseId: row.case_id, a: { passed: 0, total: 0 }, b: { passed: 0, total: 0 }, pValue: 1, verdict: 'same' as const };
    change[row.firmware === a ? 'a' : 'b'] = { passed: Number(row.passed), total: Number(row.total) };
    byCase.set(key, change);
  }
  const alpha = options.alpha ?? 0.05;
  return [...byCase.values()].map((c) => {
    if (c.a.total === 0 || c.b.total === 0) return { ...c, pValue: 1, verdict: c.a.total === 0 ? 'only-b' : 'only-a' };
    const pValue = fisherExact(c.a.passed, c.a.total - c.a.passed, c.b.passed, c.b.total - c.b.passed);
    const better = c.b.passed / c.b.total > c.a.passed / c.a.total;
    return { ...c, pValue: round(pValue, 4), verdict: pValue < alpha ? (better ? 'better' : 'worse') : 'same' };
  });
}

export function formatCompare(changes: readonly CaseChange[], a: string, b: string): string {
  if (changes.length === 0) return `no results for firmware ${a} or ${b}\n`;
  const lines = [`firmware ${a} → ${b}, case by case across the fleet (Fisher's exact test, p < 0.05 counts as a change)`];
  const marks = { worse: 'WORSE ', better: 'BETTER', same: '      ', 'only-a': 'ONLY A', 'only-b': 'ONLY B' } as const;
  for (const c of changes) {
    const name = consoleText(`${c.suite}/${c.caseId}`).padEnd(40);
    const figures = c.verdict === 'only-a' ? `${c.a.passed}/${c.a.total}, not run under ${b}` : c.verdict === 'only-b' ? `not run under ${a}, ${c.b.passed}/${c.b.total}` : `${c.a.passed}/${c.a.total} → ${c.b.passed}/${c.b.total}  p=${c.pValue}`;
    lines.push(`  ${marks[c.verdict]} ${name} ${figures}`);
  }
  const count = (verdict: CaseChange['verdict']) => changes.filter((c) => c.verdict === verdict).length;
  const oneSided = count('only-a') + count('only-b');
  lines.push(`${count('worse')} worse, ${count('better')} better, ${count('same')} without a significant change${oneSided ? `, ${oneSided} run under one firmware only (not compared)` : ''}`);
  return lines.join('\n') + '\n';
}

function round(value: number, places = 2): number {
  const f = 10 ** places;
  return Math.round(value * f) / f;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(Number(value));
}
