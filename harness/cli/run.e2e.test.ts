/**
 * The CLI as a user runs it: `poshil run` against the simulator it launches, over TCP and
 * through a real socat pty, and what it leaves on disk.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { execa, execaSync } from 'execa';
import { logLines, poshil, readRecordJson, ROOT, runDir, simulatorProfile, workspace, transcriptEntries, transcriptText } from './test-support/cli.js';

const recordSchema = JSON.parse(readFileSync(join(ROOT, 'harness/config/schemas/record.schema.json'), 'utf8')) as object;
// With the formats registered, so that date-time is checked rather than ignored with a warning.
const recordAjv = new Ajv({ allErrors: true, strict: false });
addFormats.default(recordAjv);
const validateRecord = recordAjv.compile(recordSchema);

/** A quick case, then one that waits long enough to be interrupted, then one never reached. */
const SLOW_SUITE = `suite: slow
cases:
  - id: quick
    steps:
      - do: status
  - id: waits
    steps:
      - await: transaction.completed
        within: 30000
  - id: never
    steps:
      - do: status
`;

const suites = (...names: string[]) => names.map((n) => join(ROOT, 'suites', `${n}.suite.yaml`));

describe('poshil run (black box)', () => {
  it('runs the smoke and sales suites on the simulator over TCP and writes record, JUnit, HTML, transcript and log', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    const out = join(dir, 'out');
    const result = await poshil(['run', '--device', join(dir, 'sim.json'), '--out', out, ...suites('smoke', 'sales')]);
    expect(result.stderr).toBe('');
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/PASS 6 passed, 0 failed of 6 cases/);
    expect(result.stdout).toMatch(/^device sim \(bench\) at tcp:\/\/127\.0\.0\.1:\d+$/m);
    expect(result.stdout).toMatch(/^✓ PASS {4}smoke\/identify \(\d+ ms\)$/m);
    const run = runDir(out);
    const record = readRecordJson(run);
    expect(validateRecord(record), JSON.stringify(validateRecord.errors)).toBe(true);
    expect(record.status).toBe('finished');
    expect(record.device.identity).toMatchObject({ model: 'poshil-sim', firmware: expect.any(String) });
    expect(record.inputs.map((i) => i.kind)).toEqual(expect.arrayContaining(['profile', 'suite', 'schema', 'fixture']));
    const sale = record.suites.find((s) => s.id === 'sales')!.cases.find((c) => c.id === 'card-sale-approved')!;
    const completion = sale.attempts[0]!.steps[3]!;
    expect(completion.measurements?.[0]).toMatchObject({ name: 'authorisation-time', unit: 'ms', limits: { max: 3000 } });
    const junit = readFileSync(join(run, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(6);
    expect(readFileSync(join(run, 'report.html'), 'utf8')).toContain('card-sale-approved');
    const transcript = transcriptEntries(run);
    expect(transcript.some((e) => e.channel === 'link' && e.dir === 'tx' && e.text?.includes('"op":"sale"'))).toBe(true);
    expect(transcript.some((e) => e.channel === 'link' && e.dir === 'rx' && e.text?.includes('"event":"transaction.completed"'))).toBe(true);
    const log = logLines(run);
    expect(log.map((l) => l.msg)).toEqual(expect.arrayContaining(['run started', 'terminal identified', 'run finished']));
  });

  it('runs through a real pty with the serial transport', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('pty') });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, ...suites('smoke', 'sales')]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const record = readRecordJson(runDir(out));
    expect(record.device.address).toMatch(/^serial:\/dev\/pts\/\d+$/);
  });

  it('exits 1 with the failure, its evidence and troubleshoot text when a case fails', async () => {
    const dir = workspace({
      'sim.json': simulatorProfile('tcp'),
      'wrong.suite.yaml': `suite: wrong
cases:
  - id: firmware-is-9
    troubleshoot: Upgrade the terminal to firmware 9.
    steps:
      - do: identify
        expect: { properties: { firmware: { const: "9.0.0" } } }
  - id: after
    steps:
      - do: status
`,
    });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, join(dir, 'wrong.suite.yaml')]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('FAIL    wrong/firmware-is-9');
    expect(result.stdout).toContain('troubleshoot (answer does not match): Upgrade the terminal to firmware 9.');
    const run = runDir(out);
    const step = readRecordJson(run).suites[0]!.cases[0]!.attempts[0]!.steps[0]!;
    expect(step).toMatchObject({ outcome: 'FAIL', issues: [{ path: '/firmware', message: 'must be equal to constant "9.0.0", got "1.4.2"' }] });
    expect(step.transcript?.excerpt?.some((e) => e.dir === 'rx' && e.text?.includes('"firmware"'))).toBe(true);
    expect(readFileSync(join(run, 'junit.xml'), 'utf8')).toMatch(/<failure[^>]*>/);
  });

  it('runs to its end and exits with its own code when the reader of its output goes away (| head -1)', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp'), 'wrong.suite.yaml': 'suite: wrong\ncases:\n  - id: a\n    steps:\n      - do: identify\n        expect: { properties: { firmware: { const: "9.0.0" } } }\n  - id: b\n    steps:\n      - do: status\n' });
    const out = join(dir, 'out');
    const cli = join(ROOT, 'dist', 'harness', 'cli', 'main.js');
    const piped = await execa('bash', ['-c', `"${process.execPath}" "${cli}" run -d "${join(dir, 'sim.json')}" -o "${out}" "${join(dir, 'wrong.suite.yaml')}" | head -1; echo "exit \${PIPESTATUS[0]}"`], { env: { NO_COLOR: '1' } });
    expect(piped.stdout.split('\n')[1]).toBe('exit 1');
    const record = readRecordJson(runDir(out));
    expect(record.status).toBe('finished');
    expect(record.suites[0]!.cases.map((c) => c.outcome)).toEqual(['FAIL', 'PASS']);
  });

  it('selects cases with --grep, repeated or not, and records only those', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--grep', 'smoke/identify', ...suites('smoke', 'sales')]);
    expect(result.exitCode).toBe(0);
    const record = readRecordJson(runDir(out));
    expect(record.summary.total).toBe(1);
    expect(record.options.grep).toBe('smoke/identify');
    // Repeated, any pattern selects a case; the record holds them as one expression that selects the same.
    const twice = join(dir, 'twice');
    const either = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', twice, '--grep', 'smoke/identify', '--grep', 'status-idle', ...suites('smoke', 'sales')]);
    expect(either.exitCode, either.stderr).toBe(0);
    const both = readRecordJson(runDir(twice));
    expect(both.suites.flatMap((s) => s.cases.map((c) => `${s.id}/${c.id}`))).toEqual(['smoke/identify', 'smoke/status-idle']);
    expect(both.options.grep).toBe('(?:smoke/identify)|(?:status-idle)');
  });

  it('stops cleanly on Ctrl-C: exit 130, the running case ABORTED, the record written, the simulator gone', async () => {
    const dir = workspace({
      'sim.json': simulatorProfile('tcp', ['--instance', 'ctrlc-test']),
      'slow.suite.yaml': SLOW_SUITE,
    });
    const out = join(dir, 'out');
    const child = poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, join(dir, 'slow.suite.yaml')]);
    await waitFor(() => existsSync(out) && readFileSync(join(runDir(out), 'record.ndjson'), 'utf8').includes('"quick"'));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    const record = readRecordJson(runDir(out));
    expect(record.status).toBe('interrupted');
    expect(record.suites[0]!.cases.map((c) => c.outcome)).toEqual(['PASS', 'ABORTED', 'ABORTED']);
    // One line for what never started, not a line (and advice) per case.
    expect(result.stdout).toContain('INTERRUPTED 1 case stopped mid-way, 1 case not run');
    expect(result.stdout).not.toContain('slow/never');
    const left = await execa('pgrep', ['-f', 'ctrlc-test'], { reject: false });
    expect(left.stdout).toBe('');
  });

  it('turns a terminal that dies mid-step into ERROR for that case and the rest, with the evidence kept, and the run into an error', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp'), 'slow.suite.yaml': SLOW_SUITE });
    const out = join(dir, 'out');
    const child = poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, join(dir, 'slow.suite.yaml')]);
    await waitFor(() => existsSync(out) && readFileSync(join(runDir(out), 'record.ndjson'), 'utf8').includes('"quick"'));
    const note = transcriptText(runDir(out)).match(/simulator pid (\d+)/);
    process.kill(Number(note![1]), 'SIGKILL');
    const result = await child;
    // Not "finished": CI must not read a run whose terminal vanished as one that ran its cases.
    expect(result.exitCode).toBe(3);
    const record = readRecordJson(runDir(out));
    expect(record.status).toBe('error');
    expect(record.error).toMatchObject({ code: 'E_LINK_LOST', message: expect.stringContaining('the simulator (pid') });
    expect(record.outages).toEqual([expect.objectContaining({ expected: false, during: 'slow/waits step 1 (await transaction.completed)', gaveUp: expect.any(String) })]);
    const [quick, waits, never] = record.suites[0]!.cases;
    expect(quick!.outcome).toBe('PASS');
    expect(waits!.outcome).toBe('ERROR');
    expect(waits!.reason).toContain('link lost');
    expect(never!.outcome).toBe('ERROR');
    expect(never!.reason).toContain('E_LINK_LOST');
    expect(waits!.attempts[0]!.steps[0]!.transcript?.excerpt).toBeDefined();
  });

  it('leaves a readable partial record when killed outright, and the simulator follows', async () => {
    const dir = workspace({
      'sim.json': simulatorProfile('tcp', ['--instance', 'sigkill-test']),
      'slow.suite.yaml': SLOW_SUITE,
    });
    const out = join(dir, 'out');
    // The last run's green copy at the path CI publishes.
    const published = join(dir, 'ci', 'junit.xml');
    mkdirSync(join(dir, 'ci'));
    writeFileSync(published, '<testsuites name="poshil" tests="3" failures="0" errors="0"/>');
    const child = poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--junit', published, join(dir, 'slow.suite.yaml')]);
    await waitFor(() => existsSync(out) && readFileSync(join(runDir(out), 'record.ndjson'), 'utf8').includes('"quick"'));
    child.kill('SIGKILL');
    await child;
    const run = runDir(out);
    expect(existsSync(join(run, 'record.json'))).toBe(false);
    const folded = await poshil(['report', join(run, 'record.ndjson'), '--format', 'json']);
    expect(folded.exitCode).toBe(0);
    const record = JSON.parse(folded.stdout) as { runId: string; status: string; summary: { outcome: string }; error: { code: string; message: string }; suites: { cases: { id: string; outcome: string }[] }[] };
    expect(record.status).toBe('crashed');
    expect(record.suites[0]!.cases).toEqual([expect.objectContaining({ id: 'quick', outcome: 'PASS' })]);
    // Its passed case does not make the run a pass: CI reading the JUnit sees an error, and how much is missing.
    expect(record.summary.outcome).toBe('ERROR');
    expect(record.error).toEqual(expect.objectContaining({ code: 'E_CRASHED', message: expect.stringContaining('2 of its 3 cases have no result') }));
    const junit = await poshil(['report', join(run, 'record.ndjson'), '--format', 'junit']);
    expect(junit.stdout).toMatch(/<testsuites name="poshil" tests="2" failures="0" errors="1"/);
    expect(junit.stdout).toContain('<error message="the run did not finish: poshil was killed or crashed while it ran; 2 of its 3 cases have no result" type="E_CRASHED">');
    const html = await poshil(['report', join(run, 'record.ndjson'), '--format', 'html']);
    expect(html.stdout).toContain('crashed');
    // OUT/latest named it from its start: the run CI looks at next is the one that crashed.
    const last = await poshil(['report', '--last', '--out', out, '--format', 'json']);
    expect(JSON.parse(last.stdout)).toMatchObject({ runId: record.runId, status: 'crashed' });
    // CI publishing its --junit copy reads an error, not the last run's green.
    expect(readFileSync(published, 'utf8')).toMatch(/errors="1"[\s\S]*type="E_UNFINISHED"/);
    await waitFor(() => execaSync('pgrep', ['-f', 'sigkill-test'], { reject: false }).stdout === '', 5000);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (condition()) return;
    } catch {
      // not there yet
    }
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('saved results in args and of:', () => {
  const sale = (save = '') => `      - do: sale
        args: { amount: 1250, currency: EUR }${save}
      - stimulus: swipe
        fixture: cards/visa-approved
      - await: transaction.completed
        within: 5000
`;
  it('void names the sale of its own case, whatever ran before it', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    const suite = join(dir, 'void.suite.yaml');
    writeFileSync(suite, `suite: void\ncases:\n  - id: other-sale\n    steps:\n${sale()}  - id: sale-and-void\n    steps:\n${sale('\n        save: sale')}      - do: void\n        args: { txnId: "\${sale.txnId}" }\n        expect: { type: object, required: [txnId, result], properties: { result: { const: voided } } }\n`);
    cpSync(join(ROOT, 'suites', 'fixtures'), join(dir, 'fixtures'), { recursive: true });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, suite], { timeout: 60_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const record = readRecordJson(runDir(out));
    const cases = record.suites[0]!.cases;
    const otherTxn = (cases[0]!.attempts[0]!.steps[0]!.observed as { result: { txnId: string } }).result.txnId;
    const ownTxn = (cases[1]!.attempts[0]!.steps[0]!.observed as { result: { txnId: string } }).result.txnId;
    const voided = cases[1]!.attempts[0]!.steps[3]!;
    expect(voided.request).toEqual({ verb: 'void', args: { txnId: ownTxn } });
    expect((voided.observed as { result: { txnId: string } }).result.txnId).toBe(ownTxn);
    expect(ownTxn).not.toBe(otherTxn);
  }, 90_000);

  it('of: NAME takes the receipt of that sale, not an earlier sale of the same case', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    const suite = join(dir, 'receipts.suite.yaml');
    const receipt = (of: string) => `      - await: printer.output\n        of: ${of}\n        within: 5000\n`;
    writeFileSync(suite, `suite: receipts\ncases:\n  - id: two-sales\n    steps:\n${sale('\n        save: first')}${sale('\n        save: second')}${receipt('second')}${receipt('first')}      - absent: printer.output\n        of: second\n        where: { properties: { copy: { const: nobody } }, required: [copy] }\n        within: 100\n`);
    cpSync(join(ROOT, 'suites', 'fixtures'), join(dir, 'fixtures'), { recursive: true });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, suite], { timeout: 60_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const steps = readRecordJson(runDir(out)).suites[0]!.cases[0]!.attempts[0]!.steps;
    const txnOf = (i: number) => (steps[i]!.observed as { result: { txnId: string } }).result.txnId;
    const printed = (i: number) => (steps[i]!.observed as { data: { txnId: string } }).data.txnId;
    expect(steps[6]!.label).toBe('await printer.output of second');
    expect(printed(6)).toBe(txnOf(3));
    expect(printed(7)).toBe(txnOf(0));
    expect(steps[8]!.label).toBe('no printer.output of second within 100 ms');
  }, 90_000);

  it('of: NAME names a result an earlier step saved: exit 2 at load', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    const suite = join(dir, 'bad.suite.yaml');
    writeFileSync(suite, 'suite: bad\ncases:\n  - id: c\n    steps:\n      - await: printer.output\n        of: sale\n');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', join(dir, 'out'), suite]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('of: sale names a result no earlier do step of this case saves [E_SAVED_REFERENCE]');
    expect(result.stderr).toContain('bad.suite.yaml:6');
  });

  it('refers only to what an earlier step of the case saved: exit 2 at load, naming the step', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    const suite = join(dir, 'bad.suite.yaml');
    writeFileSync(suite, 'suite: bad\ncases:\n  - id: c\n    steps:\n      - do: void\n        args: { txnId: "${sale.txnId}" }\n');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', join(dir, 'out'), suite]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('no earlier do step of this case saves a result as sale [E_SAVED_REFERENCE]');
    expect(result.stderr).toContain('bad.suite.yaml:6');
  });
});
