/**
 * Card numbers that come from outside the terminal's answers — what it says of itself
 * (identify), what a suite's author wrote (titles, step names, troubleshooting notes,
 * expectations), what the tester typed (--lab, --tester) — are masked in every file of a signed
 * run and on the console, as the terminal's own answers are.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poshil, runDir, simulatorProfile, workspace } from './test-support/cli.js';

const PAN = '4111111111111111';
const SPACED = '5500 0055 5555 5559';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('card numbers the terminal did not send in an answer', () => {
  it('are masked in the record, transcript, receipts, JUnit, HTML, certificate and console', async () => {
    const dir = workspace({
      'sim.json': simulatorProfile('tcp', ['--firmware', `1.4.2-${PAN}`]),
      'typed.suite.yaml': `suite: typed
title: Checks for card ${PAN}
cases:
  - id: identify
    title: Identify, never showing ${SPACED}
    troubleshoot: call the card desk about ${PAN}
    steps:
      - do: identify
        name: identify with ${PAN} in the name
        expect:
          properties:
            model: { not: { pattern: "${PAN}" } }
            state: { not: { const: 5500005555555559 } }
`,
      'typed.plan.yaml': `plan: typed\nversion: "1.0"\ntitle: Plan for ${PAN}\nsuites:\n  - suite: typed.suite.yaml\n`,
    });
    await poshil(['keygen', '--out', join(dir, 'lab')]);
    const result = await poshil(['certify', '--plan', join(dir, 'typed.plan.yaml'), '--device', join(dir, 'sim.json'), '--key', join(dir, 'lab.key'), '--lab', `Bench ${PAN}`, '--tester', `Tester ${SPACED}`, '-o', join(dir, 'out')], { timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const run = runDir(join(dir, 'out'));
    const files = filesUnder(run);
    expect(files.map((f) => f.slice(run.length + 1))).toEqual(expect.arrayContaining(['record.json', 'record.ndjson', 'junit.xml', 'report.html', 'certificate.json', 'certificate.html']));
    for (const text of [result.stdout, result.stderr, ...files.map((f) => readFileSync(f, 'latin1'))]) {
      expect(text).not.toContain(PAN);
      expect(text).not.toContain(SPACED);
      expect(text).not.toContain('5500005555555559');
    }
    // Masked, not dropped: what a reader needs is still there.
    const record = readFileSync(join(run, 'record.json'), 'utf8');
    expect(record).toContain('1.4.2-411111******1111');
    expect(record).toContain('Identify, never showing 5500 00** **** 5559');
    expect(readFileSync(join(run, 'certificate.json'), 'utf8')).toContain('Bench 411111******1111');
  }, 150_000);
});
