/**
 * The step's signal across the steps of one case: kept for the next step while it is clean
 * (a new one per step costs 8–9 % of an in-memory step), never shared with a step that could
 * wake a listener an earlier step left on it, and never handed on aborted.
 */
import { describe, expect, it } from 'vitest';
import { ScriptedTerminal, type VerbScript } from '../../devices/drivers/test-support/scripted-terminal.js';
import type { DoStep } from '../config/types.js';
import { Transcript } from '../evidence/transcript.js';
import { EventInbox } from './inbox.js';
import type { StepContext } from './step-context.js';
import { executeStep } from './step-executor.js';
import { StimulusRouter } from './stimuli.js';

function doStep(verb: string, timeoutMs = 1000): DoStep {
  return { kind: 'do', index: 0, label: `do ${verb}`, pointer: '', timeoutMs, verb, args: {} };
}

/** A context whose terminal answers through `script` and hands each call's signal to `signals`. */
function context(script: VerbScript, run = new AbortController()) {
  const signals: AbortSignal[] = [];
  const terminal = new ScriptedTerminal(script);
  const call = terminal.call.bind(terminal);
  terminal.call = (verb, args, options) => (signals.push(options.signal!), call(verb, args, options));
  const ctx: StepContext = {
    terminal,
    stimuli: new StimulusRouter({}, { via: 'simulator' }, {}),
    inbox: new EventInbox(terminal),
    transcript: new Transcript(),
    signal: run.signal,
    caseStart: performance.now(),
    stepStarts: new Map(),
    saved: new Map(),
  };
  return { ctx, signals, run };
}

const idle = () => ({ ok: true as const, result: { state: 'idle' } });

describe('the signal a step runs under', () => {
  it('is the same for the steps of a case while none leaves a listener on it', async () => {
    const { ctx, signals } = context(idle);
    for (let i = 0; i < 3; i++) expect((await executeStep(doStep('status'), ctx)).outcome).toBe('PASS');
    expect(new Set(signals).size).toBe(1);
    expect(signals[0]!.aborted).toBe(false);
  });

  it('is a new one after a step left a listener on it, so that listener never hears a later step end', async () => {
    let woken = 0;
    const { ctx, signals, run } = context((verb) => {
      if (verb === 'leaky') signals.at(-1)!.addEventListener('abort', () => woken++);
      return idle();
    });
    await executeStep(doStep('leaky'), ctx);
    const second = executeStep(doStep('status'), ctx);
    run.abort();
    expect((await second).outcome).toBe('PASS');
    expect(signals[1]).not.toBe(signals[0]);
    expect(signals[1]!.aborted).toBe(true);
    expect(woken).toBe(0);
  });

  it('is a new one after a step that overran its time limit', async () => {
    const { ctx, signals } = context((verb) => (verb === 'hang' ? new Promise(() => undefined) : idle()));
    const overrun = await executeStep(doStep('hang', 50), ctx);
    expect(overrun.reason).toMatch(/E_STEP_TIMEOUT|did not finish within 50 ms/);
    expect(signals[0]!.aborted).toBe(true);
    expect((await executeStep(doStep('status'), ctx)).outcome).toBe('PASS');
    expect(signals[1]).not.toBe(signals[0]);
    expect(signals[1]!.aborted).toBe(false);
  });
});

describe('the record of a step', () => {
  it('masks a card number the terminal quoted in its refusal, in the reason as in the observed error', async () => {
    const { ctx } = context(() => ({ ok: false as const, error: { code: 'DECLINED', message: 'declined card 4539148803436467 track ;4539148803436467=3012?' } }));
    const record = await executeStep(doStep('sale'), ctx);
    expect(record.outcome).toBe('FAIL');
    expect(JSON.stringify(record)).not.toMatch(/4539148803436467|539148803436/);
    expect(record.reason).toContain('declined card 453914******6467');
  });

  it('masks the values a failed check quotes', async () => {
    const { ctx } = context(() => ({ ok: true as const, result: { pan: '5500005555555559' } }));
    const step = { ...doStep('status'), expect: { schema: {}, check: (value: unknown) => [{ path: '/pan', message: `changed from "4539148803436467" to "${(value as { pan: string }).pan}"` }] } } as DoStep;
    const record = await executeStep(step, ctx);
    expect(JSON.stringify([record.reason, record.issues])).not.toMatch(/4539148803436467|5500005555555559/);
  });
});
