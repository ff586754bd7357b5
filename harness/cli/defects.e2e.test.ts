/**
 * Every firmware defect the simulator can plant is caught by the bundled suites: a run against
 * `poshil sim --defect X` fails at least one mandatory case, the one that names the cause. And
 * no file a run writes, nor what it prints, carries a card number or track data in any encoding.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFECTS, type Defect } from '../../devices/simulator/defects.js';
import { luhnValid } from '../../devices/formats/luhn.js';
import type { TranscriptEntry } from '../core/record.js';
import { scanForCardData } from './test-support/card-data-scan.js';
import { poshil, readRecordJson, ROOT, runDir, simulatorProfile, workspace, transcriptEntries } from './test-support/cli.js';

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
  'drop-last-transaction': /\/transactions\/\d+ missing after: .*TXN-/,
  'round-amounts': /\/transactions\/\d\/amount changed from (1250 to 1300|349 to 300)/,
  'mangle-item-names': /\/items\/0 changed from "Brötchen ×4" to "BrÃ¶tchen/,
  'reset-configuration': /\/configuration\/merchantName changed from "Bäckerei Poshil"/,
};

/** Every PAN a run could have seen: the fixtures' and any written in the bundled suites. */
function knownPans(): string[] {
  const files = readdirSync(join(ROOT, 'suites'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  const text = files.map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')).join('\n');
  return [...new Set([...text.matchAll(/(?<![0-9])[0-9]{13,19}(?![0-9])/g)].map((m) => m[0]).filter(luhnValid))];
}

/** Scans every file of the run directory, and what the run printed; returns the finds, named. */
function cardDataIn(dir: string, printed: string): string[] {
  const pans = knownPans();
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  const sources = files.map((e) => ({ name: relative(dir, join(e.parentPath, e.name)), content: readFileSync(join(e.parentPath, e.name)) }));
  sources.push({ name: 'stdout/stderr', content: Buffer.from(printed) });
  return sources.flatMap(({ name, content }) => scanForCardData(content, pans).map((f) => `${name} @${f.offset} (${f.encoding}): ${f.found}`));
}

describe('planted defects are caught, and no output carries card data', () => {
  it('has a catcher for every defect', () => {
    expect(Object.keys(CATCHERS).sort()).toEqual(Object.keys(DEFECTS).sort());
    expect(knownPans().length).toBeGreaterThanOrEqual(3);
  });

  // Every bundled suite runs against each defect, so the scan sees every kind of output a
  // faulty terminal can make poshil write (with the device log at debug level).
  for (const [defect, catcher] of Object.entries(CATCHERS)) {
    it.concurrent(`--defect ${defect} fails ${catcher.suite}/${catcher.case}; every file written is free of card data`, async () => {
      const dir = workspace({ 'sim.json': simulatorProfile('tcp', ['--defect', defect, '--log-level', 'debug']) });
      const out = join(dir, 'out');
      // 3.5 s more per sale would make the throughput suite's 100 sales take six minutes.
      const suites = readdirSync(join(ROOT, 'suites')).filter((f) => f.endsWith('.suite.yaml') && !(defect === 'slow-transactions' && f.startsWith('throughput')));
      const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--log-level', 'debug', ...suites.map((f) => join(ROOT, 'suites', f))], { timeout: 240_000 });
      expect(result.exitCode, result.stdout + result.stderr).toBe(1);
      const run = runDir(out);
      const record = readRecordJson(run);
      const failed = record.suites.flatMap((s) => s.cases.map((c) => ({ ...c, suite: s.id }))).filter((c) => c.mandatory && c.outcome !== 'PASS' && c.outcome !== 'SKIPPED');
      expect(failed.map((c) => `${c.suite}/${c.id}`)).toContain(`${catcher.suite}/${catcher.case}`);
      const named = NAMED[defect as Defect];
      if (named) {
        const step = failed.find((c) => c.id === catcher.case)!.attempts.at(-1)!.steps.find((s) => s.kind === 'same')!;
        expect(step.issues?.map((i) => `${i.path} ${i.message}`).join('\n')).toMatch(named);
      }
      expect(cardDataIn(run, result.stdout + result.stderr)).toEqual([]);
    }, 250_000);
  }

  it.concurrent('over ZVT too: a terminal that prints the full card number leaves none in any file', async () => {
    const profile = { name: 'sim-zvt', protocol: 'zvt', transport: { type: 'tcp', host: '127.0.0.1' }, capabilities: ['magstripe', 'qr', 'printer', 'host'], simulator: { args: ['--protocol', 'zvt', '--tcp', '127.0.0.1:0', '--seed', '7', '--defect', 'full-pan-on-receipt', '--log-level', 'debug'] }, defaultStimulus: { via: 'simulator' } };
    const dir = workspace({ 'zvt.json': profile });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'zvt.json'), '-o', out, '--log-level', 'debug', join(ROOT, 'suites')], { timeout: 240_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/prints a full card number/);
    expect(cardDataIn(runDir(out), result.stdout + result.stderr)).toEqual([]);
  }, 250_000);

  it('a receipt with a full card number fails naming the line; the transcript keeps its bytes but for the listed masked positions', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp', ['--defect', 'full-pan-on-receipt']) });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, join(ROOT, 'suites', 'printing.suite.yaml')], { timeout: 120_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/receipt line \d+ prints a full card number \(16 digits, Luhn-valid; shown masked: 411111\*{6}1111\)/);
    const run = runDir(out);
    const entries = transcriptEntries(run);
    const receipts = entries.filter((e) => e.text?.includes('"printer.output"'));
    expect(receipts.length).toBeGreaterThan(1);
    for (const entry of receipts) {
      const escpos = (JSON.parse(entry.text!) as { data: { escpos: string } }).data.escpos;
      expect(escpos).toMatch(/^([0-9a-f]{2})+$/);
      const decoded = await poshil(['decode', 'escpos', escpos]);
      expect(decoded.exitCode, decoded.stderr).toBe(0);
    }
    const masked = receipts.filter((e) => e.masked?.length);
    expect(masked.length).toBeGreaterThan(0);
    for (const e of masked) for (const span of e.masked!) expect(e.text!.slice(span.at, span.at + span.length)).toMatch(/^(\*+|(2a)+)$/);
    expect(cardDataIn(run, result.stdout + result.stderr)).toEqual([]);
  });
});
