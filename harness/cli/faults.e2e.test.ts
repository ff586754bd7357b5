/**
 * Fault plans: faults fire from the seeded generator, the affected cases show what the fault
 * causes (a lost host answer ends in a reversal), the link survives garbage, and the same seed
 * replays the same run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../core/record.js';
import { poshil, readRecordJson, ROOT, runDir, workspace, transcriptText } from './test-support/cli.js';

const sale = (n: number) => `  - id: sale-${n}
    steps:
      - do: sale
        args: { amount: 1000, currency: EUR }
      - stimulus: swipe
        fixture: cards/visa-approved
      - await: transaction.completed
        within: 4000
      - await: printer.output
        within: 2000
        where: { properties: { copy: { const: customer } } }
`;

async function runWithFaults(dir: string, out: string): Promise<RunRecord> {
  const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, join(dir, 'sales.suite.yaml')], { timeout: 120_000 });
  expect([0, 1]).toContain(result.exitCode);
  return readRecordJson(runDir(out));
}

const shape = (record: RunRecord) => record.suites[0]!.cases.map((c) => ({ id: c.id, outcome: c.outcome, steps: c.attempts[0]!.steps.map((s) => s.outcome), reason: c.reason }));

describe('fault plans (black box)', () => {
  it('injects faults reproducibly from the seed, with reversals for lost host answers', async () => {
    const plan = join(ROOT, 'suites/faults/flaky-host.yaml');
    // Fixtures resolve next to the suite file, so the workspace carries a copy of the bundled cards.
    const dir = workspace({
      'sim.json': { name: 'sim', protocol: 'bench', transport: { type: 'tcp', host: '127.0.0.1' }, simulator: { args: ['--tcp', '127.0.0.1:0', '--seed', '11', '--host-timeout', '400', '--faults', plan] } },
      'sales.suite.yaml': `suite: sales\ncases:\n${[1, 2, 3, 4, 5, 6].map(sale).join('')}`,
      'fixtures/cards.json': readFileSync(join(ROOT, 'suites/fixtures/cards.json'), 'utf8'),
    });

    const first = await runWithFaults(dir, join(dir, 'a'));
    const second = await runWithFaults(dir, join(dir, 'b'));
    expect(shape(second)).toEqual(shape(first));

    const cases = first.suites[0]!.cases;
    // A lost host answer: the terminal fails the sale and queues a reversal — its verdict, a FAIL, not a silence.
    const lost = cases.filter((c) => /transaction\.failed \(HOST_TIMEOUT\)/.test(c.reason ?? ''));
    expect(lost.length).toBeGreaterThan(0);
    for (const c of lost) {
      expect(c.outcome).toBe('FAIL');
      expect(c.reason).toMatch(/received instead: .*reversal\.sent/);
    }
    // Paper out after the second completed sale: its receipts are held, then printed.
    expect(cases.filter((c) => c.outcome === 'PASS').length).toBeGreaterThan(0);
    const transcript = transcriptText(runDir(join(dir, 'a')));
    expect(transcript).toContain('malformed line');
  }, 150_000);
});
