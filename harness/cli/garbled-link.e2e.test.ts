/**
 * A bench terminal whose link garbles bytes mid-run (the simulator's garble fault): the case goes
 * on, and the transcript keeps the garbage as the bytes that came, not as U+FFFD.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poshil, ROOT, runDir, simulatorProfile, transcriptEntries, workspace } from './test-support/cli.js';

describe('a garbled bench link', () => {
  it('keeps the garbage byte for byte in the transcript', async () => {
    const dir = workspace({ 'faults.yaml': 'faults:\n  - { on: card.read, fault: garble, nth: 1 }\n' });
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
