/**
 * A terminal whose link garbles bytes mid-run (the simulator's garble fault): the case goes on,
 * and the transcript keeps the garbage as the bytes that came, not as U+FFFD. Over ZVT the noise
 * comes between serial frames; over ZVT on TCP, where nothing could survive it, the simulator
 * refuses the fault instead of ignoring it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poshil, readRecordJson, ROOT, runDir, simulatorProfile, transcriptEntries, transcriptText, workspace } from './test-support/cli.js';

const GARBLE_AFTER_FIRST_CARD = 'faults:\n  - { on: card.read, fault: garble, nth: 1 }\n';

describe('a garbled bench link', () => {
  it('keeps the garbage byte for byte in the transcript', async () => {
    const dir = workspace({ 'faults.yaml': GARBLE_AFTER_FIRST_CARD });
    const sim = join(workspace({ 'sim.json': simulatorProfile('tcp', ['--faults', join(dir, 'faults.yaml')]) }), 'sim.json');
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', sim, '-o', out, '--grep', 'visa-approved', join(ROOT, 'suites', 'card-swipe.suite.yaml')]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const link = transcriptEntries(runDir(out)).filter((e) => e.channel === 'link' && e.dir === 'rx');
    const garbage = link.filter((e) => e.hex !== undefined);
    expect(garbage.length).toBeGreaterThan(0);
    expect(garbage[0]).toMatchObject({ unparsed: 'binary on an NDJSON link' });
    expect(link.filter((e) => e.text?.includes('\ufffd'))).toEqual([]);
  });
});

const sale = (n: number) => `  - id: sale-${n}
    steps:
      - do: sale
        args: { amount: ${1000 + n * 100}, currency: EUR }
      - stimulus: swipe
        fixture: cards/visa-approved
      - await: transaction.completed
        within: 4000
        where: { properties: { result: { const: approved } } }
`;

describe('a garbled ZVT link', () => {
  it('garbage between ZVT serial frames is skipped, kept in the transcript, and the sale and the next one complete', async () => {
    const dir = workspace({
      'faults.yaml': GARBLE_AFTER_FIRST_CARD,
      'sales.suite.yaml': `suite: sales\ncases:\n${[1, 2].map(sale).join('')}`,
      // Fixtures resolve next to the suite file.
      'fixtures/cards.json': readFileSync(join(ROOT, 'suites/fixtures/cards.json'), 'utf8'),
    });
    const profile = JSON.parse(readFileSync(join(ROOT, 'devices', 'simulator-zvt-serial.json'), 'utf8')) as { simulator: { args: string[] } };
    profile.simulator.args.push('--faults', join(dir, 'faults.yaml'));
    const profilePath = join(workspace({ 'zvt.json': { ...profile, $schema: undefined } }), 'zvt.json');
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', profilePath, '-o', out, join(dir, 'sales.suite.yaml')], { timeout: 60_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const record = readRecordJson(runDir(out));
    expect(record.suites[0]!.cases.map((c) => [c.id, c.outcome])).toEqual([['sale-1', 'PASS'], ['sale-2', 'PASS']]);
    const transcript = transcriptText(runDir(out));
    expect(transcript).toMatch(/"channel":"link","dir":"note","text":"discarded 24 bytes: STRAY_BYTES"/);
  }, 90_000);

  it('over TCP the simulator refuses a garble rule at start, naming the plan and the rule: exit 2', async () => {
    const dir = workspace({ 'faults.yaml': GARBLE_AFTER_FIRST_CARD });
    // A simulator that took the plan would run on: the time-out ends it, failing the test.
    const result = await poshil(['sim', '--protocol', 'zvt', '--tcp', '127.0.0.1:0', '--faults', join(dir, 'faults.yaml')], { timeout: 15_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/\/faults\/0\/fault is garble, which does not apply to ZVT over TCP.*\[E_FAULT_PLAN\]/);
    expect(result.stderr).toMatch(/hint: .*--pty or --serial/);
    expect(result.stderr).toMatch(/where: .*faults\.yaml at \/faults\/0\/fault/);
  });
});
