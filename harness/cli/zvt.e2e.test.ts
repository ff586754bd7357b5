/**
 * Every bundled suite over ZVT against the simulator, through TCP and through a real pty with
 * the serial framing: what a ZVT terminal can show passes, and every other case is SKIPPED with
 * its reason (events ZVT does not carry, verbs it has no command for). The run exits 0.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { poshil, readRecordJson, ROOT, runDir, workspace, transcriptText } from './test-support/cli.js';

const SUITES = readdirSync(join(ROOT, 'suites'))
  .filter((f) => f.endsWith('.suite.yaml'))
  .map((f) => join(ROOT, 'suites', f));
const MUST_PASS = [
  'smoke/identify',
  'smoke/status-idle',
  'smoke/abort-when-idle',
  'card-swipe/mastercard-track2-only',
  'card-swipe/declined-by-issuer',
  'printing/customer-receipt-content',
  'printing/merchant-and-customer-copies',
  'network/recovers-after-link-restored',
  'throughput/back-to-back-sales',
];

describe('all bundled suites over ZVT (black box)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  for (const profile of ['simulator-zvt.json', 'simulator-zvt-serial.json']) {
    it(`pass or are skipped with their reason with ${profile}`, async () => {
      const base = workspace();
      dirs.push(base);
      const out = join(base, 'out');
      const result = await poshil(['run', '-d', join(ROOT, 'devices', profile), '-o', out, ...SUITES], { timeout: 170_000 });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const dir = runDir(out);
      const record = readRecordJson(dir);
      expect(record.device.protocol).toBe('zvt');
      const cases = record.suites.flatMap((s) => s.cases.map((c) => ({ key: `${s.id}/${c.id}`, ...c })));
      const outcomes = Object.fromEntries(cases.map((c) => [c.key, c.outcome]));
      for (const key of MUST_PASS) expect(outcomes[key], key).toBe('PASS');
      for (const c of cases) expect(['PASS', 'SKIPPED'], c.key).toContain(c.outcome);
      for (const c of cases.filter((c) => c.outcome === 'SKIPPED')) {
        expect(c.reason, c.key).toMatch(/the terminal lacks .*(card-events|qr-events|host-events|printer-status|batch-totals|log-events|chip)|the zvt driver cannot send/);
      }
      // Receipts that arrived after a case had moved on are kept as evidence, never given to the next case.
      const transcript = transcriptText(dir);
      expect(transcript).not.toMatch(/outside any exchange/);
    }, 180_000);
  }
});
