/**
 * The lab's history as time series for the panel's charts: per firmware (or model, suite, site)
 * and per hour or day, the pass rate, payment success rate, throughput and latency p50/p99 — the
 * figures of `poshil lab results`, over time. Each point knows its group and time span, so the
 * page can list the runs behind it.
 */
import type pg from 'pg';
import { COUNTED_RUNS, GROUPS } from '../lab/results.js';

export const HISTORY_GROUPS = ['firmware', 'model', 'suite', 'site'] as const;
export type HistoryGroup = (typeof HISTORY_GROUPS)[number];
export type Bucket = 'hour' | 'day';

export interface HistorySeries {
  group: string;
  runs: (number | null)[];
  passRate: (number | null)[];
  paymentSuccessRate: (number | null)[];
  tps: (number | null)[];
  p50Ms: (number | null)[];
  p99Ms: (number | null)[];
}

export interface History {
  by: HistoryGroup;
  bucket: Bucket;
  /** Start of each bucket, seconds since the epoch (what uPlot plots). */
  times: number[];
  /** The span asked for, seconds since the epoch: the charts' x axis. */
  from: number;
  to: number;
  series: HistorySeries[];
}

export async function history(pool: pg.Pool, by: HistoryGroup, bucket: Bucket, sinceMs: number, suite?: string): Promise<History> {
  const { rows } = await pool.query<{ t: Date; grp: string | null; runs: string; cases: string; passed: string; success: number | null; tps: number | null; p50: number | null; p99: number | null }>(
    `SELECT date_trunc($1, r.started_at) AS t, ${GROUPS[by]} AS grp, count(DISTINCT r.id) AS runs, count(*) AS cases,
            count(*) FILTER (WHERE c.outcome = 'PASS') AS passed,
            avg((c.measurements->>'successRate')::float8) AS success, avg((c.measurements->>'tps')::float8) AS tps,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY (c.measurements->>'p50')::float8) AS p50,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY (c.measurements->>'p99')::float8) AS p99
       FROM lab.case_results c JOIN lab.runs r ON r.id = c.run_id
      WHERE ${COUNTED_RUNS} AND c.outcome <> 'SKIPPED'
        AND r.started_at > now() - $2 * interval '1 millisecond' AND ($3::text IS NULL OR c.suite = $3)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [bucket, sinceMs, suite ?? null],
  );
  const times = [...new Set(rows.map((r) => r.t.getTime()))].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const series = new Map<string, HistorySeries>();
  const empty = () => times.map(() => null);
  for (const row of rows) {
    const group = row.grp ?? '(unknown)';
    let s = series.get(group);
    if (!s) series.set(group, (s = { group, runs: empty(), passRate: empty(), paymentSuccessRate: empty(), tps: empty(), p50Ms: empty(), p99Ms: empty() }));
    const i = at.get(row.t.getTime())!;
    s.runs[i] = Number(row.runs);
    s.passRate[i] = round((100 * Number(row.passed)) / Number(row.cases));
    s.paymentSuccessRate[i] = row.success === null ? null : round(row.success);
    s.tps[i] = row.tps === null ? null : round(row.tps);
    s.p50Ms[i] = row.p50 === null ? null : round(row.p50);
    s.p99Ms[i] = row.p99 === null ? null : round(row.p99);
  }
  const now = Date.now();
  return { by, bucket, times: times.map((t) => t / 1000), from: Math.floor((now - sinceMs) / 1000), to: Math.ceil(now / 1000), series: [...series.values()] };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
