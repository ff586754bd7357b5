import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptedStimuli, ScriptedTerminal, type VerbScript } from '../../devices/drivers/test-support/scripted-terminal.js';
import { FixtureStore } from '../config/fixtures.js';
import { loadSuite } from '../config/suite.js';
import type { Case } from '../config/types.js';
import { Transcript } from '../evidence/transcript.js';
import { Expectations } from '../expect/expectations.js';
import { runCase } from './case-runner.js';
import { StimulusRouter } from './stimuli.js';
import { TransactionLedger } from './transactions.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function caseFrom(steps: string, extra = ''): Case {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-runner-'));
  made.push(dir);
  const path = join(dir, 't.suite.yaml');
  writeFileSync(path, `suite: t\ncases:\n  - id: c\n${extra}    steps:\n${steps}`);
  return loadSuite(path, new Expectations(), new FixtureStore(join(dir, 'fixtures')), { stepTimeoutMs: 300 }).cases[0]!;
}

const ok = (result: unknown) => ({ ok: true as const, result });

async function run(c: Case, script: VerbScript, options: { retries?: number; signal?: AbortSignal; onStimulus?: (t: ScriptedTerminal, name: string) => void } = {}) {
  const terminal = new ScriptedTerminal(script);
  const stimuli = new ScriptedStimuli((name) => {
    options.onStimulus?.(terminal, name);
    return ok(null);
  });
  const record = await runCase('t', c, {
    terminal,
    stimuli: new StimulusRouter({}, { via: 'simulator' }, { simulator: stimuli }),
    transcript: new Transcript(),
    signal: options.signal ?? new AbortController().signal,
    retries: options.retries ?? 0,
    onAttemptStart: () => undefined,
    onStepEnd: () => undefined,
  });
  return { record, terminal, stimuli };
}

const saleThenSwipe = `      - do: sale
        args: { amount: 100, currency: EUR }
        expect: { type: object, required: [txnId] }
      - stimulus: swipe
      - await: transaction.completed
        within: 200
        expect: { type: object, properties: { result: { const: approved } } }
`;

describe('runCase', () => {
  it('passes a sale whose completion arrives before the await step starts', async () => {
    const { record } = await run(caseFrom(saleThenSwipe), () => ok({ txnId: 't1' }), {
      onStimulus: (t) => t.emit('transaction.completed', { result: 'approved' }),
    });
    expect(record.outcome).toBe('PASS');
    expect(record.attempts[0]!.steps.map((s) => s.outcome)).toEqual(['PASS', 'PASS', 'PASS']);
  });

  it('fails on an unexpected result, keeps the issues, and skips the rest', async () => {
    const { record } = await run(caseFrom(saleThenSwipe), () => ok({ state: 'idle' }));
    expect(record.outcome).toBe('FAIL');
    const [sale, swipe, wait] = record.attempts[0]!.steps;
    expect(sale).toMatchObject({ outcome: 'FAIL', issues: [{ path: '/', message: "must have required property 'txnId'" }], observed: { result: { state: 'idle' } } });
    expect(sale!.transcript?.excerpt).toBeDefined();
    expect([swipe!.outcome, wait!.outcome]).toEqual(['SKIPPED', 'SKIPPED']);
    expect(record.reason).toContain('step 1 (do sale)');
  });

  it('times out an await and lists what arrived instead', async () => {
    const { record } = await run(caseFrom(saleThenSwipe), () => ok({ txnId: 't1' }), {
      onStimulus: (t) => t.emit('card.rejected', { reason: 'EXPIRED' }),
    });
    expect(record.outcome).toBe('TIMEOUT');
    expect(record.reason).toContain('no transaction.completed within 200 ms; received instead: card.rejected');
  });

  it('ends an await of the completion at once when the terminal reports the sale failed meanwhile', async () => {
    const slow = saleThenSwipe.replace('within: 200', 'within: 20000');
    const { record } = await run(caseFrom(slow), () => ok({ txnId: 't1' }), {
      onStimulus: (t) => void setTimeout(() => t.emit('transaction.failed', { txnId: 't1', reason: 'HOST_TIMEOUT' }), 30),
    });
    const wait = record.attempts[0]!.steps[2]!;
    expect(wait.outcome).toBe('FAIL');
    expect(wait.durationMs).toBeLessThan(5000);
    expect(wait.reason).toMatch(/^no transaction\.completed: the terminal reported the sale failed; received instead: transaction\.failed \(HOST_TIMEOUT\)$/);
  });

  it('fails an await of a refusal at once when the terminal completes the sale instead (a card it must refuse)', async () => {
    const refused = `      - do: sale\n        args: { amount: 100, currency: EUR }\n      - stimulus: swipe\n      - await: card.rejected\n        within: 20000\n`;
    const { record } = await run(caseFrom(refused), () => ok({ txnId: 't1' }), {
      onStimulus: (t) => void setTimeout(() => t.emit('transaction.completed', { txnId: 't1', result: 'approved' }), 30),
    });
    const wait = record.attempts[0]!.steps[2]!;
    expect(wait.outcome).toBe('FAIL');
    expect(wait.durationMs).toBeLessThan(5000);
    expect(wait.reason).toMatch(/^no card\.rejected: the terminal took the card and completed the sale instead; received instead: transaction\.completed$/);
  });

  it("does not end the wait on a late failure of an earlier sale of the case, and takes a name beginning with a digit", async () => {
    let n = 0;
    const steps = `      - do: sale\n        args: { amount: 100, currency: EUR }\n      - do: sale\n        args: { amount: 200, currency: EUR }\n        save: 2nd\n      - await: transaction.completed\n        within: 2000\n      - await: transaction.completed\n        of: 2nd\n        within: 50\n`;
    const { record } = await run(caseFrom(steps), (_verb, _args, t) => {
      const txnId = `t${++n}`;
      if (n === 2) {
        setTimeout(() => t.emit('transaction.failed', { txnId: 't1', reason: 'HOST_TIMEOUT' }), 20);
        setTimeout(() => t.emit('transaction.completed', { txnId: 't2', result: 'approved' }), 100);
        setTimeout(() => t.emit('transaction.completed', { txnId: 't2', result: 'approved' }), 110);
      }
      return ok({ txnId });
    });
    expect(record.attempts[0]!.steps.map((s) => s.outcome)).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
  });

  it('with of: NAME, a failure of that sale that came before the await is its verdict too; without, only one during the wait', async () => {
    const steps = (of: string) => saleThenSwipe.replace('expect: { type: object, required: [txnId] }', 'expect: { type: object, required: [txnId] }\n        save: sale').replace('within: 200', `within: 300${of}`);
    const failDuringSwipe = { onStimulus: (t: ScriptedTerminal) => t.emit('transaction.failed', { txnId: 't1', reason: 'ABORTED' }) };
    const withOf = await run(caseFrom(steps('\n        of: sale')), () => ok({ txnId: 't1' }), failDuringSwipe);
    expect(withOf.record.attempts[0]!.steps[2]).toMatchObject({ outcome: 'FAIL', label: 'await transaction.completed of sale', reason: expect.stringContaining('no transaction.completed of sale (t1): the terminal reported the sale failed') });
    const without = await run(caseFrom(steps('')), () => ok({ txnId: 't1' }), failDuringSwipe);
    expect(without.record.attempts[0]!.steps[2]).toMatchObject({ outcome: 'TIMEOUT', reason: expect.stringContaining('within 300 ms; received instead: transaction.failed (ABORTED)') });
  });

  it('warns of a passing await that checked nothing of a declined sale, or took an earlier sale\'s event', async () => {
    const declined = await run(caseFrom(saleThenSwipe.replace("        expect: { type: object, properties: { result: { const: approved } } }\n", '')), () => ok({ txnId: 't1' }), {
      onStimulus: (t) => t.emit('transaction.completed', { txnId: 't1', result: 'declined' }),
    });
    expect(declined.record.outcome).toBe('PASS');
    expect(declined.record.attempts[0]!.steps[2]!.warnings).toEqual(['the transaction was declined, and nothing checks it: add expect (schemas/transaction-approved.json) to fail on that']);

    let n = 0;
    const twoSales = `      - do: sale\n        args: { amount: 100, currency: EUR }\n      - do: sale\n        args: { amount: 200, currency: EUR }\n      - await: printer.output\n        within: 200\n`;
    const { record } = await run(caseFrom(twoSales), (_verb, _args, t) => {
      const txnId = `t${++n}`;
      if (n === 2) t.emit('printer.output', { txnId: 't1', copy: 'customer' });
      return ok({ txnId });
    });
    expect(record.outcome).toBe('PASS');
    expect(record.attempts[0]!.steps[2]!.warnings).toEqual(['took printer.output of t1, an earlier transaction of this case than its latest (t2): name the one meant with of: NAME']);
  });

  it('says why the events that came did not match `where`', async () => {
    const steps = `      - do: status\n      - await: printer.output\n        within: 100\n        where: { required: [copyType] }\n`;
    const { record } = await run(caseFrom(steps), (_verb, _args, t) => {
      t.emit('printer.output', { copy: 'merchant' });
      t.emit('printer.output', { copy: 'customer' });
      return ok({ state: 'idle' });
    });
    expect(record.outcome).toBe('TIMEOUT');
    expect(record.reason).toContain("no printer.output matching `where` within 100 ms; received instead: printer.output; 2 printer.output did not match `where`: / must have required property 'copyType'");
  });

  it('fails when the completion does not match, naming the path', async () => {
    const { record } = await run(caseFrom(saleThenSwipe), () => ok({ txnId: 't1' }), {
      onStimulus: (t) => t.emit('transaction.completed', { result: 'declined' }),
    });
    expect(record.outcome).toBe('FAIL');
    expect(record.attempts[0]!.steps[2]!.issues).toEqual([{ path: '/result', message: 'must be equal to constant "approved", got "declined"' }]);
  });

  it('turns a dropped link into ERROR and a silent terminal into TIMEOUT', async () => {
    expect((await run(caseFrom(saleThenSwipe), () => 'disconnect')).record.outcome).toBe('ERROR');
    const silent = await run(caseFrom(saleThenSwipe), () => 'silence');
    expect(silent.record.outcome).toBe('TIMEOUT');
    expect(silent.record.reason).toContain('E_REPLY_TIMEOUT');
  });

  it("makes a driver's own refusal, with nothing sent, an ERROR and not the terminal's FAIL", async () => {
    const unsent = () => ({ ok: false as const, error: { code: 'BAD_ARGS', message: 'void needs a txnId', unsent: true as const } });
    const { record } = await run(caseFrom('      - do: void\n        args: { txnId: nope }\n'), unsent);
    expect(record).toMatchObject({ outcome: 'ERROR', reason: expect.stringContaining("poshil's scripted driver did not send void: BAD_ARGS void needs a txnId") });
  });

  it('treats a refusal as FAIL unless expectError asks for it', async () => {
    const busy = () => ({ ok: false as const, error: { code: 'BUSY', message: 'busy' } });
    expect((await run(caseFrom('      - do: sale\n'), busy)).record).toMatchObject({ outcome: 'FAIL', reason: expect.stringContaining('refused sale: BUSY') });
    const wanted = caseFrom('      - do: sale\n        expectError: { properties: { code: { const: BUSY } } }\n');
    expect((await run(wanted, busy)).record.outcome).toBe('PASS');
    expect((await run(wanted, () => ok({}))).record.outcome).toBe('FAIL');
  });

  it('retries, keeps every attempt, and sends abort between attempts', async () => {
    let sales = 0;
    const { record, terminal } = await run(caseFrom('      - do: sale\n        expect: { required: [txnId] }\n'), (verb) => (verb === 'sale' && ++sales === 1 ? ok({}) : ok({ txnId: 'x' })), { retries: 2 });
    expect(record.outcome).toBe('PASS');
    expect(record.attempts.map((a) => a.outcome)).toEqual(['FAIL', 'PASS']);
    expect(terminal.calls.map((c) => c.verb)).toEqual(['sale', 'abort', 'sale']);
  });

  it('sends abort after a case that did not pass, so the next case does not find the terminal mid-sale', async () => {
    const broken = new ScriptedStimuli(() => ({ ok: false, error: { code: 'COMMAND_FAILED', message: 'false exited with 1' } }));
    const terminal = new ScriptedTerminal((verb) => ok(verb === 'sale' ? { txnId: 't1' } : {}));
    const transcript = new Transcript();
    const env = {
      terminal,
      stimuli: new StimulusRouter({}, { via: 'simulator' }, { simulator: broken }),
      transcript,
      signal: new AbortController().signal,
      retries: 0,
      onAttemptStart: () => undefined,
      onStepEnd: () => undefined,
    };
    expect((await runCase('t', caseFrom(saleThenSwipe), env)).outcome).toBe('ERROR');
    expect(terminal.calls.map((c) => c.verb)).toEqual(['sale', 'abort']);
    expect(transcript.excerpt(0, transcript.next).map((e) => e.text)).toContain('t/c did not pass: sending abort to return the terminal to idle');
    // A passing case is left as it is.
    expect((await runCase('t', caseFrom('      - do: status\n'), env)).outcome).toBe('PASS');
    expect(terminal.calls.map((c) => c.verb)).toEqual(['sale', 'abort', 'status']);
  });

  it('measures elapsed time against limits with a marginal band', async () => {
    const steps = `      - id: start
        do: sale
      - await: transaction.completed
        within: 500
        measure: { name: auth, unit: ms, since: start, max: MAX, marginalMax: MARGINAL }
`;
    const script = () => ok({ txnId: 't' });
    const emitLater = { onStimulus: () => undefined };
    const slow = (max: number, marginal: number) =>
      run(caseFrom(steps.replace('MAX', String(max)).replace('MARGINAL', String(marginal))), (verb, args, t) => {
        t.emit('transaction.completed', {}, 60);
        return script();
      }, emitLater);
    const pass = await slow(400, 300);
    expect(pass.record.attempts[0]!.steps[1]!.measurements![0]).toMatchObject({ name: 'auth', unit: 'ms', verdict: 'PASS' });
    expect((await slow(400, 20)).record.attempts[0]!.steps[1]!.measurements![0]!.verdict).toBe('MARGINAL');
    const fail = await slow(20, 10);
    expect(fail.record.outcome).toBe('FAIL');
    expect(fail.record.reason).toMatch(/auth = [\d.]+ ms, above the maximum 20 ms/);
  });

  it('picks the troubleshooting text for the kind of failure, flags a retried pass as flaky', async () => {
    const texts = `    troubleshoot:\n      refused: is the card valid?\n      timeout: did the terminal see the swipe?\n      link: check the cable\n`;
    const declined = await run(caseFrom(saleThenSwipe, texts), () => ok({ txnId: 't1' }), { onStimulus: (t) => t.emit('transaction.completed', { result: 'declined' }) });
    expect(declined.record).toMatchObject({ failureKind: 'refused', troubleshoot: 'is the card valid?' });
    const silent = await run(caseFrom(saleThenSwipe, texts), () => ok({ txnId: 't1' }));
    expect(silent.record).toMatchObject({ failureKind: 'timeout', troubleshoot: 'did the terminal see the swipe?' });
    const dropped = await run(caseFrom(saleThenSwipe, texts), () => 'disconnect');
    expect(dropped.record).toMatchObject({ outcome: 'ERROR', failureKind: 'link', troubleshoot: 'check the cable' });
    const mismatch = await run(caseFrom(saleThenSwipe, texts), () => ok({ state: 'idle' }));
    expect(mismatch.record.failureKind).toBe('schema');
    expect(mismatch.record).not.toHaveProperty('troubleshoot');
    const single = await run(caseFrom(saleThenSwipe, '    troubleshoot: one text for all\n'), () => ok({ state: 'idle' }));
    expect(single.record.troubleshoot).toBe('one text for all');
    let sales = 0;
    const retried = await run(caseFrom('      - do: sale\n        expect: { required: [txnId] }\n', texts), (verb) => (verb === 'sale' && ++sales === 1 ? ok({}) : ok({ txnId: 'x' })), { retries: 1 });
    expect(retried.record).toMatchObject({ outcome: 'PASS', flaky: true });
    expect(retried.record).not.toHaveProperty('troubleshoot');
  });

  it('stops a load step early, FAIL with the reason, once its limits can no longer be met', async () => {
    const steps = `      - load:
          verb: sale
          args: { amount: 100, currency: EUR }
          stimulus: swipe
          count: 50
          concurrency: 1
          transactionTimeout: 200
          limits:
            successRate: { min: 95 }
`;
    const progress: { done: number; total: number }[] = [];
    const c = caseFrom(steps);
    const terminal = new ScriptedTerminal(() => ({ ok: false as const, error: { code: 'BUSY', message: 'busy' } }));
    const record = await runCase('t', c, {
      terminal,
      stimuli: new StimulusRouter({}, { via: 'simulator' }, { simulator: new ScriptedStimuli(() => ok(null)) }),
      transcript: new Transcript(),
      signal: new AbortController().signal,
      retries: 0,
      onAttemptStart: () => undefined,
      onStepEnd: () => undefined,
      onStepProgress: (_ref, snapshot) => progress.push(snapshot()),
    });
    const load = record.attempts[0]!.steps[0]!;
    expect(load.outcome).toBe('FAIL');
    expect(load.reason).toMatch(/^stopped after 3 of 50 transactions: successRate cannot reach 95 %: 3 of 50 transactions failed already/);
    expect(terminal.calls.filter((call) => call.verb === 'sale')).toHaveLength(3);
    expect(load.details?.['transactions']).toMatchObject({ measured: 3, stoppedEarly: true });
    expect(record.failureKind).toBe('limit');
    expect(progress).toEqual([{ done: 0, total: 50, figures: [{ name: 'p50', value: Number.NaN, unit: 'ms' }] }]);
  });

  it('passes `absent` only when the event stays away', async () => {
    const c = caseFrom('      - do: sale\n      - absent: transaction.completed\n        within: 100\n');
    expect((await run(c, () => ok({}))).record.outcome).toBe('PASS');
    expect((await run(c, (v, a, t) => (t.emit('transaction.completed', {}, 20), ok({})))).record.outcome).toBe('FAIL');
  });

  it('leaves no listener on the run\'s signal once its steps are done', async () => {
    const controller = new AbortController();
    const { record } = await run(caseFrom('      - do: status\n      - do: status\n      - do: status\n'), () => ok({}), { signal: controller.signal });
    expect(record.outcome).toBe('PASS');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('aborts the running step and marks the rest ABORTED when the run is interrupted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('SIGINT')), 50);
    const { record } = await run(caseFrom('      - do: sale\n      - await: transaction.completed\n        within: 5000\n      - do: status\n'), () => ok({}), { signal: controller.signal });
    expect(record.outcome).toBe('ABORTED');
    expect(record.attempts[0]!.steps.map((s) => s.outcome)).toEqual(['PASS', 'ABORTED', 'SKIPPED']);
  });

  it("takes no late receipt of an earlier case's sale for its own, and notes it", async () => {
    const c = caseFrom(`      - do: sale
        args: { amount: 100, currency: EUR }
      - stimulus: swipe
      - await: printer.output
        within: 200
        expect: { properties: { txnId: { const: t2 } } }
`);
    let sales = 0;
    const terminal = new ScriptedTerminal(() => ok({ txnId: `t${++sales}` }));
    const transcript = new Transcript();
    const transactions = new TransactionLedger();
    const env = {
      terminal,
      stimuli: new StimulusRouter({}, { via: 'simulator' }, { simulator: new ScriptedStimuli(() => ok(null)) }),
      transcript,
      transactions,
      signal: new AbortController().signal,
      retries: 0,
      onAttemptStart: () => undefined,
      onStepEnd: () => undefined,
    };
    // The first case's sale ends before its receipt prints; the receipt arrives while the next
    // case runs, before that case's own.
    expect((await runCase('t', caseFrom('      - do: sale\n        args: { amount: 100, currency: EUR }\n'), env)).outcome).toBe('PASS');
    terminal.emit('printer.output', { copy: 'customer', txnId: 't1' }, 30);
    terminal.emit('printer.output', { copy: 'customer', txnId: 't2' }, 120);
    const record = await runCase('t', c, env);
    expect(record.outcome, record.reason).toBe('PASS');
    expect(transcript.excerpt(0, 100).map((e) => e.text)).toContain('printer.output of t1, a transaction an earlier case attempt started: not this attempt\'s');

    // A case that awaits a receipt of its own and gets only the earlier case's: the time-out says what was set aside.
    terminal.emit('printer.output', { copy: 'merchant', txnId: 't1' }, 20);
    const alone = await runCase('t', caseFrom('      - await: printer.output\n        within: 150\n'), env);
    expect(alone.outcome).toBe('TIMEOUT');
    expect(alone.reason).toMatch(/no printer\.output within 150 ms; set aside as an earlier case's: printer\.output of t1$/);
  });
});
