/**
 * `load`: transactions (verb → stimulus → completion event) against the terminal — a number of
 * them (`count`) or for a time (`duration`), closed loop (`concurrency` workers back to back) or
 * open loop (arrivals at a `rate`), after `warmup` transactions left out of the figures. Reports
 * success rate, throughput and latency percentiles against the step's limits, the latency
 * distribution for the report's chart, and the time series in windows (load-windows.ts) judged
 * against window and drift limits (expect/degradation.ts).
 */
import type { TerminalHealth } from '../../core/load-series.js';
import type { Measurement } from '../../core/record.js';
import type { LoadSpec, LoadStep } from '../../config/types.js';
import { judgeDrift, worstWindowMeasurements, overWindowLimits } from '../../expect/degradation.js';
import { measurement } from '../../expect/limits.js';
import { SelfSampler } from '../self-sample.js';
import type { StepContext } from '../step-context.js';
import { cannotMeetLimits } from './load-early-stop.js';
import { arrivalMs, workerStartMs } from './load-pacing.js';
import { percentile, WindowRecorder } from './load-windows.js';
import { measurementFailure } from './measure.js';
import type { StepResult } from './result.js';

export { percentile } from './load-windows.js';

/** Latencies the record keeps of a load step (evenly spread over the distribution beyond that). */
const SAMPLES_IN_RECORD = 10_000;

interface Sample {
  ok: boolean;
  latencyMs: number;
  failure?: string;
}

export async function runLoad(step: LoadStep, ctx: StepContext): Promise<StepResult> {
  const spec = step.load;
  const sampler = new SelfSampler();
  // Set once the figures so far make a limit impossible, or a window broke its limit: no new transaction starts.
  let hopeless: string | undefined;
  const recorder = new WindowRecorder({
    windowMs: spec.windowMs,
    rampMs: spec.rampMs,
    ...(spec.durationMs !== undefined ? { endsAtMs: spec.durationMs } : {}),
    harness: () => sampler.sample(),
    ...(spec.health ? { terminal: () => terminalHealth(ctx, spec) } : {}),
    onClose: (w) => {
      const over = overWindowLimits(w, spec.windowLimits);
      if (over.figures.length > 0) w.over = over.figures;
      hopeless ??= over.reason;
    },
  });
  const successLatencies: number[] = [];
  const failureCounts: Record<string, number> = {};
  let measured = 0;
  let warmedUp = 0;
  let measuredStart = 0;
  ctx.progress?.(() => progressOf(spec, recorder, successLatencies, measured + warmedUp, measuredStart));

  const take = (sample: Sample) => {
    measured++;
    recorder.add(sample.ok, sample.latencyMs, sample.failure);
    if (sample.ok) successLatencies.push(sample.latencyMs);
    else failureCounts[sample.failure ?? 'unknown'] = (failureCounts[sample.failure ?? 'unknown'] ?? 0) + 1;
    // The remaining transactions can rescue a count-bound step only: a timed one has no fixed count.
    if (spec.count !== undefined && spec.durationMs === undefined) {
      hopeless ??= cannotMeetLimits(spec.limits, { count: spec.count, failures: measured - successLatencies.length, latencies: successLatencies });
    }
  };

  // A terminal that restarts under load says so (`terminal.ready`): each window counts its restarts.
  const offReady = ctx.terminal.onEvent((event) => {
    if (event.name === 'terminal.ready') recorder.reboot();
  });
  try {
    await warmUp(spec, ctx, () => warmedUp++);
    measuredStart = performance.now();
    recorder.begin(measuredStart);
    const more = (index: number, offsetMs: number) => !ctx.signal.aborted && !hopeless && (spec.count === undefined || index < spec.count) && (spec.durationMs === undefined || offsetMs < spec.durationMs);
    if (spec.ratePerS !== undefined) await openLoop(spec, ctx, measuredStart, more, take);
    else await closedLoop(spec, ctx, measuredStart, more, take);
    // A timed step lasts its duration even when its last arrival came before the end: its last
    // window and its throughput cover the whole period.
    if (spec.durationMs !== undefined && !hopeless) await sleepUntil(measuredStart + spec.durationMs, ctx.signal);
  } finally {
    sampler.stop();
    offReady();
  }
  const elapsedS = (performance.now() - measuredStart) / 1000;
  if (ctx.signal.aborted) {
    recorder.stop();
    // The windows closed so far are kept: two hours of a soak are evidence even when it was stopped.
    return { outcome: 'ABORTED', reason: 'the run was interrupted', details: { series: recorder.series() } };
  }
  const series = await recorder.finish(Math.min(5000, spec.transactionTimeoutMs));

  const latencies = successLatencies.sort((a, b) => a - b);
  const figures = {
    successRate: measured === 0 ? 0 : (100 * latencies.length) / measured,
    tps: elapsedS > 0 ? latencies.length / elapsedS : 0,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
  const units = { successRate: '%', tps: 'tps', p50: 'ms', p95: 'ms', p99: 'ms', max: 'ms' } as const;
  const overall: Measurement[] = (Object.keys(figures) as (keyof typeof figures)[]).map((key) => measurement(key, round(figures[key]), units[key], spec.limits[key] ?? {}));
  const perWindow = worstWindowMeasurements(series.windows, spec.windowLimits);
  const drift = judgeDrift(series.windows, spec.drift, spec.rampMs);
  if (drift.compared) series.drift = drift.compared;
  const windowFailure = series.windows.map((w) => overWindowLimits(w, spec.windowLimits).reason).find((r) => r !== undefined);
  const details = {
    latency: { samplesMs: spread(latencies, SAMPLES_IN_RECORD).map(round), ...(latencies.length > SAMPLES_IN_RECORD ? { samplesOf: latencies.length } : {}), p50: round(figures.p50), p95: round(figures.p95), p99: round(figures.p99), histogram: histogram(latencies) },
    transactions: { measured, warmup: spec.warmup, succeeded: latencies.length, failures: failureCounts, elapsedS: round(elapsedS), ...(hopeless ? { stoppedEarly: true } : {}) },
    series,
  };
  const failed = hopeless
    ? `stopped after ${measured}${spec.count !== undefined && spec.durationMs === undefined ? ` of ${spec.count}` : ''} transactions: ${hopeless}`
    : (windowFailure ?? drift.reason ?? measurementFailure(overall));
  const seriesLimits = Object.keys(spec.windowLimits).length > 0 || Object.keys(spec.drift).length > 0;
  return {
    request: {
      verb: spec.verb,
      args: spec.args,
      stimulus: spec.stimulus,
      ...(spec.count !== undefined ? { count: spec.count } : {}),
      ...(spec.durationMs !== undefined ? { durationMs: spec.durationMs } : {}),
      warmup: spec.warmup,
      concurrency: spec.concurrency,
      ...(spec.ratePerS !== undefined ? { ratePerS: spec.ratePerS } : {}),
      ...(spec.rampMs ? { rampMs: spec.rampMs } : {}),
      windowMs: spec.windowMs,
    },
    // Drift as it was written: "20%" of the first window, or an amount in the figure's unit.
    expected: seriesLimits ? { ...spec.limits, perWindow: spec.windowLimits, drift: Object.fromEntries(Object.entries(spec.drift).map(([k, a]) => [k, 'relative' in a ? `${Math.round(a.relative * 100_000) / 1000}%` : a.absolute])) } : spec.limits,
    measurements: [...overall, ...perWindow, ...drift.measurements],
    details,
    outcome: failed ? 'FAIL' : 'PASS',
    ...(failed ? { reason: failed + (Object.keys(failureCounts).length ? `; failures: ${JSON.stringify(failureCounts)}` : '') } : {}),
  };
}

/** The warm-up transactions, back to back at the step's concurrency; they count nowhere. */
async function warmUp(spec: LoadSpec, ctx: StepContext, done: () => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < spec.warmup && !ctx.signal.aborted) {
      next++;
      await oneTransaction(spec, ctx, performance.now());
      done();
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.warmup) }, worker));
}

/** Whether transaction `index` may start `offsetMs` into the measured period. */
type More = (index: number, offsetMs: number) => boolean;

/** Each worker starts its next transaction when its last one ended (joining one by one over the ramp). */
async function closedLoop(spec: LoadSpec, ctx: StepContext, start: number, more: More, take: (s: Sample) => void): Promise<void> {
  let next = 0;
  const worker = async (i: number) => {
    await sleepUntil(start + workerStartMs(i, spec.concurrency, spec.rampMs), ctx.signal);
    while (more(next, performance.now() - start)) {
      next++;
      take(await oneTransaction(spec, ctx, performance.now()));
    }
  };
  await Promise.all(Array.from({ length: spec.count === undefined ? spec.concurrency : Math.min(spec.concurrency, spec.count) }, (_, i) => worker(i)));
}

/**
 * Transactions arrive on a fixed schedule; `concurrency` slots take them in order. One that
 * waited longer than a transaction may take is counted as failed (BACKLOG) without being sent,
 * so a terminal that cannot keep up shows as failures rather than as a queue without end.
 */
async function openLoop(spec: LoadSpec, ctx: StepContext, start: number, more: More, take: (s: Sample) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next;
      const offset = arrivalMs(index, spec.ratePerS!, spec.rampMs);
      if (!more(index, offset)) return;
      const arrival = start + offset;
      next++;
      await sleepUntil(arrival, ctx.signal);
      if (ctx.signal.aborted) return;
      const waited = performance.now() - arrival;
      if (waited > spec.transactionTimeoutMs) take({ ok: false, latencyMs: waited, failure: 'BACKLOG' });
      else take(await oneTransaction(spec, ctx, arrival));
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
}

/** One transaction, timed from `from` (its start, or its scheduled arrival in an open loop). */
async function oneTransaction(spec: LoadSpec, ctx: StepContext, from: number): Promise<Sample> {
  const options = { timeoutMs: spec.transactionTimeoutMs, signal: ctx.signal };
  try {
    const reply = await ctx.terminal.call(spec.verb, spec.args, options);
    if (!reply.ok) return { ok: false, latencyMs: performance.now() - from, failure: reply.error.code };
    const txnId = (reply.result as { txnId?: unknown } | null)?.txnId;
    const stimulus = await ctx.stimuli.apply(spec.stimulus, spec.stimulusArgs, options);
    if (!stimulus.ok) return { ok: false, latencyMs: performance.now() - from, failure: `stimulus ${stimulus.error.code}` };
    const event = await ctx.inbox.take(
      spec.await,
      (e) => txnId === undefined || (e.data as { txnId?: unknown } | null)?.txnId === txnId,
      spec.transactionTimeoutMs,
      ctx.signal,
    );
    if (!event) return { ok: false, latencyMs: performance.now() - from, failure: 'TIMEOUT' };
    const ok = spec.success ? spec.success.check(event.data).length === 0 : (event.data as { result?: unknown } | null)?.result === 'approved';
    return { ok, latencyMs: event.receivedAt - from, ...(ok ? {} : { failure: 'NOT_SUCCESSFUL' }) };
  } catch (error) {
    return { ok: false, latencyMs: performance.now() - from, failure: (error as { code?: string }).code ?? 'ERROR' };
  }
}

/**
 * The terminal's health from its `status` verb: free memory and temperature where it reports
 * them. Never fails the step: a terminal that cannot say is recorded as such.
 */
async function terminalHealth(ctx: StepContext, spec: LoadSpec): Promise<TerminalHealth> {
  if (!ctx.terminal.verbs.has('status')) return { error: `the ${ctx.terminal.protocol} driver has no status verb` };
  try {
    const reply = await ctx.terminal.call('status', {}, { timeoutMs: Math.min(5000, spec.transactionTimeoutMs), signal: ctx.signal });
    if (!reply.ok) return { error: `status refused: ${reply.error.code}` };
    const r = (reply.result ?? {}) as Record<string, unknown>;
    const num = (key: string) => (typeof r[key] === 'number' && Number.isFinite(r[key]) ? { [key]: r[key] } : {});
    return { ...num('freeMemoryKb'), ...num('temperatureC'), ...(typeof r['state'] === 'string' ? { state: r['state'] } : {}) };
  } catch (error) {
    return { error: `no status: ${(error as { code?: string }).code ?? (error as Error).message}` };
  }
}

function progressOf(spec: LoadSpec, recorder: WindowRecorder, latencies: readonly number[], done: number, measuredStart: number) {
  const total = spec.warmup + (spec.count ?? 0);
  const window = recorder.latest;
  if (spec.durationMs !== undefined) {
    // A soak's progress is its latest window: sorting hours of latencies every few seconds would cost more than it tells.
    const leftMs = measuredStart === 0 ? spec.durationMs : Math.max(0, spec.durationMs - (performance.now() - measuredStart));
    const figures = window ? [{ name: `window ${window.index + 1} p99`, value: window.p99 ?? Number.NaN, unit: 'ms', ...(spec.windowLimits.p99?.max !== undefined ? { max: spec.windowLimits.p99.max } : {}) }, { name: 'success', value: window.successRate ?? Number.NaN, unit: '%' }] : [];
    return { done, total: 0, leftMs: Math.round(leftMs), figures };
  }
  // Sorting on every request for a figure is fine: reporters ask every few seconds, not per transaction.
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = spec.limits.p50 ?? {};
  return { done, total, figures: [{ name: 'p50', value: round(percentile(sorted, 50)), unit: 'ms', ...(p50.max !== undefined ? { max: p50.max } : {}), ...(p50.min !== undefined ? { min: p50.min } : {}) }] };
}

/** Resolves once performance.now() has reached `at` (timers keep whole milliseconds and may fire a fraction early), or on abort. */
async function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  for (let ms = at - performance.now(); ms > 0 && !signal.aborted; ms = at - performance.now()) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.ceil(ms));
      signal.addEventListener('abort', done, { once: true });
    });
  }
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
