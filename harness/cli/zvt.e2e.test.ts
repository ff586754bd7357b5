/**
 * The existing suites over ZVT against the simulator, through TCP and through a real pty with
 * the serial framing: what a ZVT terminal can show passes, and the cases that need events ZVT
 * does not carry are skipped with the reason.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poshil, readRecordJson, ROOT, runDir, workspace } from './test-support/cli.js';

const SUITES = ['card-swipe', 'printing', 'throughput'].map((s) => join(ROOT, 'suites', `${s}.suite.yaml`));
const MUST_PASS = ['card-swipe/mastercard-track2-only', 'card-swipe/declined-by-issuer', 'printing/customer-receipt-content', 'printing/merchant-and-customer-copies', 'throughput/back-to-back-sales'];

describe('suites over ZVT (black box)', () => {
  for (const profile of ['simulator-zvt.json', 'simulator-zvt-serial.json']) {
    it(`passes card-swipe, printing and throughput with ${profile}`, async () => {
      const out = join(workspace(), 'out');
      const result = await poshil(['run', '-d', join(ROOT, 'devices', profile), '-o', out, ...SUITES], { timeout: 120_000 });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const record = readRecordJson(runDir(out));
      expect(record.device.protocol).toBe('zvt');
      const outcomes = Object.fromEntries(record.suites.flatMap((s) => s.cases.map((c) => [`${s.id}/${c.id}`, c.outcome])));
      for (const key of MUST_PASS) expect(outcomes[key], key).toBe('PASS');
      const skipped = record.suites.flatMap((s) => s.cases).filter((c) => c.outcome === 'SKIPPED');
      for (const c of skipped) expect(c.reason).toMatch(/the terminal lacks .*(card-events|printer-status|batch-totals)|the zvt driver cannot send/);
    }, 150_000);
  }
});
