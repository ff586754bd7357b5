/**
 * `load`: N transactions (verb → stimulus → completion event), `concurrency` at a time, with the
 * first `warmup` left out of the figures. Reports success rate, throughput and latency
 * percentiles against the step's limits, and the latency distribution for the report's chart.
 */
import type { Measurement } from '../../core/record.js';
import type { LoadSpec, LoadStep } from '../../config/types.js';
import { measurement } from '../../expect/limits.js';
import type { StepContext } from '../step-context.js';
import { cannotMeetLimits } from './load-early-stop.js';
import { measurementFailure } from './measure.js';
import type { StepResult } from './result.js';

/** Latencies the record keeps of a load step (evenly spread over the distribution beyond that). */
const SAMPLES_IN_RECORD = 10_000;

interface Sample {
  ok: boolean;
  latencyMs: number;
  failure?: string;
}

export async function runLoad(step: LoadStep, ctx: StepContext): Promise<StepResult> {
  const spec = step.load;
  const total = spec.warmup + spec.count;
  // Per measured transaction only its latency is kept (8 bytes in a packed array, exact), and
  // only when it succeeded; failures are counted by kind. A soak of 100,000 sales holds under 1 MB.
  let measured = 0;
  const successLatencies: number[] = [];
  const failureCounts: Record<string, number> = {};
  let next = 0;
  let finished = 0;
  let measuredStart = 0;
  // Sorting on every request for a figure is fine: reporters ask every few seconds, not per transaction.
  ctx.progress?.(() => {
    const sorted = [...successLatencies].sort((a, b) => a - b);
    const p50 = spec.limits.p50 ?? {};
    return {
      done: finished,
      total,
      figures: [{ name: 'p50', value: round(percentile(sorted, 50)), unit: 'ms', ...(p50.max !== undefined ? { max: p50.max } : {}), ...(p50.min !== undefined ? { min: p50.min } : {}) }],
    };
  });
  // Set once the figures so far make a limit impossible: the workers take no new transaction.
  let hopeless: string | undefined;
  let failures = 0;
  const worker = async () => {
    while (next < total && !ctx.signal.aborted && !hopeless) {
      const index = next++;
      if (index === spec.warmup && measuredStart === 0) measuredStart = performance.now();
      const sample = await oneTransaction(spec, ctx);
      if (index >= spec.warmup) {
        measured++;
        if (sample.ok) successLatencies.push(sample.latencyMs);
        else (failures++, (failureCounts[sample.failure ?? 'unknown'] = (failureCounts[sample.failure ?? 'unknown'] ?? 0) + 1));
        hopeless ??= cannotMeetLimits(spec.limits, { count: spec.count, failures, latencies: successLatencies });
      }
      finished++;
    }
  };
  if (spec.warmup === 0) measuredStart = performance.now();
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, total) }, worker));
  const elapsedS = (performance.now() - measuredStart) / 1000;
  if (ctx.signal.aborted) return { outcome: 'ABORTED', reason: 'the run was interrupted' };

  const latencies = successLatencies.sort((a, b) => a - b);
  const succeeded = latencies.length;
  const figures = {
    successRate: measured === 0 ? 0 : (100 * succeeded) / measured,
    tps: elapsedS > 0 ? succeeded / elapsedS : 0,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
  const units = { successRate: '%', tps: 'tps', p50: 'ms', p95: 'ms', p99: 'ms', max: 'ms' } as const;
  const measurements: Measurement[] = (Object.keys(figures) as (keyof typeof figures)[]).map((key) =>
    measurement(key, round(figures[key]), units[key], spec.limits[key] ?? {}),
  );
  const details = {
    latency: { samplesMs: spread(latencies, SAMPLES_IN_RECORD).map(round), ...(succeeded > SAMPLES_IN_RECORD ? { samplesOf: succeeded } : {}), p50: round(figures.p50), p95: round(figures.p95), p99: round(figures.p99), histogram: histogram(latencies) },
    transactions: { measured, warmup: spec.warmup, succeeded, failures: failureCounts, elapsedS: round(elapsedS), ...(hopeless ? { stoppedEarly: true } : {}) },
  };
  const overLimit = measurementFailure(measurements);
  const failed = hopeless ? `stopped after ${measured} of ${spec.count} transactions: ${hopeless}` : overLimit;
  return {
    request: { verb: spec.verb, args: spec.args, stimulus: spec.stimulus, count: spec.count, warmup: spec.warmup, concurrency: spec.concurrency },
    expected: spec.limits,
    measurements,
    details,
    outcome: failed ? 'FAIL' : 'PASS',
    ...(failed ? { reason: failed + (Object.keys(failureCounts).length ? `; failures: ${JSON.stringify(failureCounts)}` : '') } : {}),
  };
}

async function oneTransaction(spec: LoadSpec, ctx: StepContext): Promise<Sample> {
  const start = performance.now();
  const options = { timeoutMs: spec.transactionTimeoutMs, signal: ctx.signal };
  try {
    const reply = await ctx.terminal.call(spec.verb, spec.args, options);
    if (!reply.ok) return { ok: false, latencyMs: performance.now() - start, failure: reply.error.code };
    const txnId = (reply.result as { txnId?: unknown } | null)?.txnId;
    const stimulus = await ctx.stimuli.apply(spec.stimulus, spec.stimulusArgs, options);
    if (!stimulus.ok) return { ok: false, latencyMs: performance.now() - start, failure: `stimulus ${stimulus.error.code}` };
    const event = await ctx.inbox.take(
      spec.await,
      (e) => txnId === undefined || (e.data as { txnId?: unknown } | null)?.txnId === txnId,
      spec.transactionTimeoutMs,
      ctx.signal,
    );
    if (!event) return { ok: false, latencyMs: performance.now() - start, failure: 'TIMEOUT' };
    const ok = spec.success ? spec.success.check(event.data).length === 0 : (event.data as { result?: unknown } | null)?.result === 'approved';
    return { ok, latencyMs: event.receivedAt - start, ...(ok ? {} : { failure: 'NOT_SUCCESSFUL' }) };
  } catch (error) {
    return { ok: false, latencyMs: performance.now() - start, failure: (error as { code?: string }).code ?? 'ERROR' };
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function histogram(sorted: readonly number[]): { bucketMs: number; counts: number[] } {
  const max = sorted.at(-1) ?? 0;
  const bucketMs = niceBucket(max / 20);
  const counts = new Array<number>(Math.floor(max / bucketMs) + 1).fill(0);
  for (const v of sorted) counts[Math.floor(v / bucketMs)]!++;
  return { bucketMs, counts };
}

function niceBucket(raw: number): number {
  if (raw <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((b) => b >= raw) ?? 10 * magnitude;
}

/**
 * At most `n` of the sorted values, evenly spread over their ranks (the first and the last kept):
 * the record of a soak keeps the distribution's shape for `compare` without 100,000 numbers.
 */
export function spread(sorted: readonly number[], n: number): number[] {
  if (sorted.length <= n) return [...sorted];
  return Array.from({ length: n }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (n - 1))]!);
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
