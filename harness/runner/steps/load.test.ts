/**
 * The load step against a scripted terminal whose speed the test controls: windows, health,
 * window limits that stop the step, the open loop's backlog, and an interrupted soak.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptedStimuli, ScriptedTerminal } from '../../../devices/drivers/test-support/scripted-terminal.js';
import type { LoadSeries } from '../../core/load-series.js';
import { FixtureStore } from '../../config/fixtures.js';
import { loadSuite } from '../../config/suite.js';
import type { LoadStep } from '../../config/types.js';
import { Transcript } from '../../evidence/transcript.js';
import { Expectations } from '../../expect/expectations.js';
import { executeStep } from '../step-executor.js';
import { EventInbox } from '../inbox.js';
import { StimulusRouter } from '../stimuli.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function loadStep(load: string): LoadStep {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-load-step-'));
  made.push(dir);
  const path = join(dir, 't.suite.yaml');
  writeFileSync(path, `suite: t\ncases:\n  - id: c\n    steps:\n      - load:\n${load.replace(/^/gm, '          ')}\n`);
  return loadSuite(path, new Expectations(), new FixtureStore(join(dir, 'fixtures')), { stepTimeoutMs: 1000 }).cases[0]!.steps[0] as LoadStep;
}

/** A terminal that completes each sale `latency()` ms after the swipe, and reports its health. */
async function runLoad(step: LoadStep, latency: () => number, signal = new AbortController().signal, onTerminal?: (t: ScriptedTerminal) => void) {
  let n = 0;
  const terminal = new ScriptedTerminal((verb) => (verb === 'status' ? { ok: true, result: { state: 'idle', freeMemoryKb: 5000 - n, temperatureC: 40 } } : { ok: true, result: { txnId: `T${++n}` } }));
  const stimuli = new ScriptedStimuli(() => {
    terminal.emit('transaction.completed', { txnId: `T${n}`, result: 'approved' }, latency());
    return { ok: true, result: null };
  });
  const inbox = new EventInbox(terminal);
  onTerminal?.(terminal);
  const record = await executeStep(step, {
    terminal,
    stimuli: new StimulusRouter({}, { via: 'simulator' }, { simulator: stimuli }),
    inbox,
    transcript: new Transcript(),
    signal,
    caseStart: performance.now(),
    stepStarts: new Map(),
    saved: new Map(),
  });
  inbox.close();
  return { record, terminal, series: record.details?.['series'] as LoadSeries };
}

describe('a timed load step', () => {
  it('records a window per window length with the terminal\'s health and its own, and lasts its duration', async () => {
    const started = performance.now();
    const { record, series } = await runLoad(loadStep('duration: 900ms\nrate: 20/s\nwindow: 300ms\nhealth: true'), () => 5);
    expect(performance.now() - started).toBeGreaterThanOrEqual(895);
    expect(record.outcome).toBe('PASS');
    expect(series.windows.map((w) => [w.startMs, w.partial ?? false])).toEqual([
      [0, false],
      [300, false],
      [600, false],
    ]);
    expect(series.windows.reduce((s, w) => s + w.transactions, 0)).toBe(18);
    for (const w of series.windows) {
      expect(w.terminal).toMatchObject({ state: 'idle', temperatureC: 40, freeMemoryKb: expect.any(Number) });
      expect(w.harness.rssMiB).toBeGreaterThan(0);
    }
    expect(record.request).toMatchObject({ durationMs: 900, ratePerS: 20, windowMs: 300 });
  });

  it('stops at the first window over its limit and names it', async () => {
    const start = performance.now();
    const { record, series } = await runLoad(loadStep('duration: 4s\nwindow: 500ms\nwindowLimits: { p99: { max: 200 } }'), () => (performance.now() - start > 550 ? 300 : 5));
    expect(record.outcome).toBe('FAIL');
    expect(record.reason).toMatch(/^stopped after \d+ transactions: window 2 \([\d:]+–[\d:]+\): p99 = \d+(\.\d+)? ms, above the maximum 200 ms/);
    expect(record.durationMs).toBeLessThan(2500);
    expect(series.windows[1]!.over).toEqual(['p99']);
    expect(record.expected).toEqual({ perWindow: { p99: { max: 200 } }, drift: {} });
    expect(record.measurements!.find((m) => m.name.startsWith('p99 of window'))).toMatchObject({ name: expect.stringMatching(/^p99 of window 2 /), verdict: 'FAIL' });
  });

  it('counts arrivals the terminal could not take in time as BACKLOG, timed from their arrival', async () => {
    // 50 arrivals a second at one at a time, each taking 100 ms: the queue outgrows the 300 ms a transaction may wait.
    const { record } = await runLoad(loadStep('duration: 1s\nrate: 50/s\nwindow: 500ms\ntransactionTimeout: 300'), () => 100);
    const failures = (record.details?.['transactions'] as { failures: Record<string, number> }).failures;
    expect(failures['BACKLOG']).toBeGreaterThan(10);
    expect(record.measurements!.find((m) => m.name === 'p99')!.value).toBeGreaterThan(200);
  });

  it('counts the terminal\'s restarts in the window they happened in', async () => {
    const { series } = await runLoad(loadStep('duration: 900ms\nwindow: 300ms\nhealth: false'), () => 5, undefined, (t) => t.emit('terminal.ready', { cause: 'power' }, 450));
    expect(series.windows.map((w) => w.reboots ?? 0)).toEqual([0, 1, 0]);
  });

  it('keeps the windows it closed when the run is interrupted', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 750);
    const { record, series } = await runLoad(loadStep('duration: 1h\nwindow: 300ms\nhealth: false'), () => 5, abort.signal);
    expect(record.outcome).toBe('ABORTED');
    expect(series.windows.length).toBeGreaterThanOrEqual(2);
    expect(series.windows[0]!.transactions).toBeGreaterThan(0);
  });
});
