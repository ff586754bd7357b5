/**
 * What a case does when the terminal's link drops, with fake terminals that drop on cue: a
 * restarting step waits for the terminal and goes on, an unexpected drop is ERROR "link lost",
 * a terminal that never returns ends the step with the reason, and a restart that keeps its link
 * costs only the linkDrop wait.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptedStimuli, ScriptedTerminal, type VerbScript } from '../../devices/drivers/test-support/scripted-terminal.js';
import { FixtureStore } from '../config/fixtures.js';
import { loadSuite } from '../config/suite.js';
import type { Case } from '../config/types.js';
import type { LinkOutage } from '../core/record.js';
import { Transcript } from '../evidence/transcript.js';
import { Expectations } from '../expect/expectations.js';
import { runCase } from './case-runner.js';
import { ReconnectingTerminal } from './reconnecting-terminal.js';
import { StimulusRouter } from './stimuli.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function caseFrom(steps: string): Case {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-link-'));
  made.push(dir);
  const path = join(dir, 't.suite.yaml');
  writeFileSync(path, `suite: t\ncases:\n  - id: c\n    steps:\n${steps}`);
  return loadSuite(path, new Expectations(), new FixtureStore(join(dir, 'fixtures')), { stepTimeoutMs: 500 }).cases[0]!;
}

const ok = (result: unknown) => ({ ok: true as const, result });
const identity = (firmware: string) => ok({ model: 'fake', serialNumber: 'F1', firmware, capabilities: [] });

/** Terminals in the order the link reaches them; `back` says when the terminal may be found again. */
async function run(c: Case, scripts: VerbScript[], options: { reconnectMs?: number; linkDropMs?: number; backAfterMs?: number } = {}) {
  const made: ScriptedTerminal[] = [];
  const outages: LinkOutage[] = [];
  let downSince = 0;
  const link = new ReconnectingTerminal({
    connect: () => {
      const terminal = new ScriptedTerminal(scripts[Math.min(made.length, scripts.length - 1)]!);
      made.push(terminal);
      if (made.length > 1) terminal.emit('terminal.ready', { cause: 'reboot' }, 5);
      return terminal;
    },
    locate: async () => (Date.now() - downSince >= (options.backAfterMs ?? 50) ? {} : undefined),
    reconnectMs: options.reconnectMs ?? 2000,
    identifyMs: 200,
    retryMs: 20,
    onOutage: (o) => outages.push(o),
    note: () => undefined,
  });
  link.onDown(() => (downSince = Date.now()));
  await link.open();
  await link.identify({ timeoutMs: 200 });
  const started = Date.now();
  const record = await runCase('t', c, {
    terminal: link,
    link,
    linkDropMs: options.linkDropMs ?? 1000,
    stimuli: new StimulusRouter({}, { via: 'simulator' }, { simulator: new ScriptedStimuli() }),
    transcript: new Transcript(),
    signal: new AbortController().signal,
    retries: 0,
    onAttemptStart: () => undefined,
    onStepEnd: () => undefined,
  });
  await link.close();
  return { record, outages, made, tookMs: Date.now() - started };
}

describe('a case and the terminal\'s link', () => {
  it('lets a restarting step go on once the terminal is back, and the next steps talk to it', async () => {
    const before: VerbScript = (verb, _args, t) => (verb === 'reboot' ? (t.drop(20), ok({ state: 'rebooting' })) : identity('1.0'));
    const after: VerbScript = (verb) => (verb === 'identify' ? identity('1.1') : ok({ state: 'idle' }));
    const { record, outages, made } = await run(caseFrom('      - do: reboot\n      - await: terminal.ready\n        within: 1000\n      - do: status\n'), [before, after]);
    expect(record.outcome, JSON.stringify(record.attempts[0]!.steps)).toBe('PASS');
    expect(record.attempts[0]!.steps[0]!.details).toMatchObject({ reconnect: { firmwareAfter: '1.1' } });
    expect(outages).toEqual([expect.objectContaining({ expected: true, during: 't/c step 1 (do reboot)', identityAfter: expect.objectContaining({ firmware: '1.1' }) })]);
    expect(made[1]!.calls.map((c) => c.verb)).toEqual(['identify', 'status']);
  });

  it('ends the step an unexpected drop interrupts as ERROR "link lost", and skips the rest of the attempt', async () => {
    const script: VerbScript = (verb) => (verb === 'status' ? 'disconnect' : identity('1.0'));
    const { record, outages } = await run(caseFrom('      - do: status\n      - do: identify\n'), [script, (v) => (v === 'identify' ? identity('1.0') : ok({}))]);
    const [stopped, skipped] = record.attempts[0]!.steps;
    expect(stopped).toMatchObject({ outcome: 'ERROR', reason: expect.stringMatching(/^link lost: the link to scripted: is closed \[E_LINK_LOST\]$/) });
    expect(skipped!.outcome).toBe('SKIPPED');
    expect(outages[0]).toMatchObject({ expected: false, during: 't/c step 1 (do status)' });
  });

  it('ends an await interrupted by a drop at once, not at its time-out', async () => {
    const script: VerbScript = (verb, _args, t) => (verb === 'status' ? (t.drop(30), ok({})) : identity('1.0'));
    const { record, tookMs } = await run(caseFrom('      - do: status\n      - await: transaction.completed\n        within: 5000\n'), [script]);
    expect(record.attempts[0]!.steps[1]).toMatchObject({ outcome: 'ERROR', reason: expect.stringContaining('link lost') });
    expect(tookMs).toBeLessThan(2000);
  });

  it('ends a restarting step whose terminal never returns as ERROR with the reason, within the reconnect time', async () => {
    const script: VerbScript = (verb, _args, t) => (verb === 'reboot' ? (t.drop(10), ok({})) : identity('1.0'));
    const { record, outages, tookMs } = await run(caseFrom('      - do: reboot\n      - do: status\n'), [script], { reconnectMs: 300, backAfterMs: 60_000 });
    expect(record.attempts[0]!.steps[0]).toMatchObject({ outcome: 'ERROR', reason: expect.stringMatching(/did not come back within 300 ms.*\[E_LINK_LOST\]$/) });
    expect(outages[0]!.gaveUp).toBeDefined();
    expect(tookMs).toBeLessThan(1500);
  });

  it('takes a restart that keeps its link after the linkDrop wait, and a refused restart at once', async () => {
    const script: VerbScript = (verb, args) => (verb === 'upgrade' ? { ok: false, error: { code: 'BAD_IMAGE', message: 'no' } } : verb === 'reboot' ? ok({}) : identity(String(args['v'] ?? '1.0')));
    const kept = await run(caseFrom('      - do: reboot\n'), [script], { linkDropMs: 300 });
    expect(kept.record.outcome).toBe('PASS');
    expect(kept.record.attempts[0]!.steps[0]!.details).toBeUndefined();
    expect(kept.tookMs).toBeGreaterThanOrEqual(280);
    const refused = await run(caseFrom('      - do: upgrade\n        expectError: { properties: { code: { const: BAD_IMAGE } } }\n'), [script], { linkDropMs: 5000 });
    expect(refused.record.outcome).toBe('PASS');
    expect(refused.tookMs).toBeLessThan(1000);
  });
});
