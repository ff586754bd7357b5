/**
 * Every firmware defect the simulator can plant is caught by the bundled suites: a run against
 * `poshil sim --defect X` fails at least one mandatory case, the one that names the cause. And
 * no output of a run carries a full PAN or track data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFECTS, type Defect } from '../../devices/simulator/defects.js';
import { poshil, readRecordJson, ROOT, runDir, simulatorProfile, workspace } from './test-support/cli.js';

/** Which suite and case must catch each defect. */
const CATCHERS: Record<Defect, { suite: string; case: string }> = {
  'full-pan-on-receipt': { suite: 'printing', case: 'customer-receipt-content' },
  'accept-bad-qr-crc': { suite: 'qr-scan', case: 'bad-crc-refused' },
  'no-reversal-after-host-timeout': { suite: 'network', case: 'host-timeout-reversal' },
  'double-charge': { suite: 'card-swipe', case: 'batch-books-each-sale-once' },
  'approve-declined': { suite: 'card-swipe', case: 'declined-by-issuer' },
  'leak-track-in-log': { suite: 'card-swipe', case: 'no-card-data-in-device-log' },
  'slow-transactions': { suite: 'card-swipe', case: 'visa-approved' },
  'accept-expired': { suite: 'card-swipe', case: 'expired-refused' },
  'skip-luhn': { suite: 'card-swipe', case: 'luhn-refused' },
  'lose-held-receipts': { suite: 'printing', case: 'paper-out-recovery' },
  'drop-last-transaction': { suite: 'upgrade', case: 'upgrade-keeps-data' },
  'round-amounts': { suite: 'upgrade', case: 'upgrade-keeps-data' },
  'mangle-item-names': { suite: 'upgrade', case: 'upgrade-keeps-data' },
  'reset-configuration': { suite: 'upgrade', case: 'upgrade-keeps-data' },
};

/** What the data-migration check must name for each migration defect. */
const NAMED: Partial<Record<Defect, RegExp>> = {
  'drop-last-transaction': /\/transactions\/1 missing after: .*TXN-/,
  'round-amounts': /\/transactions\/\d\/amount changed from (1250 to 1300|349 to 300)/,
  'mangle-item-names': /\/items\/0 changed from "Brötchen ×4" to "BrÃ¶tchen/,
  'reset-configuration': /\/configuration\/merchantName changed from "Bäckerei Poshil"/,
};

describe('planted defects are caught', () => {
  it('has a catcher for every defect', () => {
    expect(Object.keys(CATCHERS).sort()).toEqual(Object.keys(DEFECTS).sort());
  });

  for (const [defect, catcher] of Object.entries(CATCHERS)) {
    it.concurrent(`--defect ${defect} fails ${catcher.suite}/${catcher.case}`, async () => {
      const dir = workspace({ 'sim.json': simulatorProfile('tcp', ['--defect', defect]) });
      const out = join(dir, 'out');
      const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, join(ROOT, 'suites', `${catcher.suite}.suite.yaml`)], { timeout: 150_000 });
      expect(result.exitCode, result.stdout + result.stderr).toBe(1);
      const record = readRecordJson(runDir(out));
      const failed = record.suites.flatMap((s) => s.cases).filter((c) => c.mandatory && c.outcome !== 'PASS' && c.outcome !== 'SKIPPED');
      expect(failed.map((c) => c.id)).toContain(catcher.case);
      const named = NAMED[defect as Defect];
      if (named) {
        const step = failed.find((c) => c.id === catcher.case)!.attempts.at(-1)!.steps.find((s) => s.kind === 'same')!;
        expect(step.issues?.map((i) => `${i.path} ${i.message}`).join('\n')).toMatch(named);
      }
    }, 160_000);
  }
});

describe('card data stays out of every output', () => {
  it('finds no full PAN or track data in record, journal, transcript, logs, JUnit or HTML after a full run', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp', ['--defect', 'leak-track-in-log', '--log-level', 'debug']) });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--log-level', 'debug', join(ROOT, 'suites')]);
    expect(result.exitCode).toBe(1);
    const run = runDir(out);
    const files = readdirSync(run, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(run, join(e.parentPath, e.name)));
    expect(files).toEqual(expect.arrayContaining(['record.json', 'record.ndjson', 'transcript.ndjson', 'poshil.log', 'simulator.log', 'junit.xml', 'report.html', 'receipts/002-customer.json']));
    const fixtures = JSON.parse(readFileSync(join(ROOT, 'suites/fixtures/cards.json'), 'utf8')) as Record<string, { track: string }>;
    const pans = [...new Set(Object.values(fixtures).flatMap((f) => [...f.track.matchAll(/\d{13,19}/g)].map((m) => m[0])))];
    expect(pans.length).toBeGreaterThan(3);
    for (const file of files) {
      const text = readFileSync(join(run, file), 'utf8') + result.stdout + result.stderr;
      for (const pan of pans) expect(text, `${pan} in ${file}`).not.toContain(pan);
      expect(text, `track data in ${file}`).not.toMatch(/[;%]B?\d{13,19}[=^]\d{4}/);
    }
    expect(readRecordJson(run).summary.total).toBeGreaterThan(25);
  });
});
