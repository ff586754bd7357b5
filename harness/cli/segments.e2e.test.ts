/**
 * Evidence in segments from the outside: a run with a small --segment-size leaves its transcript
 * and receipts as chains of segments, certifies and verifies; a flipped byte in a middle segment,
 * a removed segment and two swapped segments each fail verify naming the segment; and a run
 * killed mid-segment still leaves a readable record and transcript.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../evidence/manifest.js';
import { checkChain, readSegmentFacts, segmentFiles } from '../evidence/segments.js';
import { poshil, ROOT, runDir, simulatorProfile, transcriptEntries, workspace } from './test-support/cli.js';

const plan = join(ROOT, 'suites/plans/acceptance.plan.yaml');

describe('evidence in segments (black box)', () => {
  it('certifies a run whose transcript and receipts rotated, and verify names a changed, removed or swapped segment', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    expect((await poshil(['keygen', '--out', join(dir, 'lab')])).exitCode).toBe(0);
    const out = join(dir, 'out');
    const result = await poshil(['certify', '--plan', plan, '--device', join(dir, 'sim.json'), '--key', join(dir, 'lab.key'), '--lab', 'Bench 2', '--tester', 'A. Tester', '--segment-size', '16KiB', '-o', out], { timeout: 180_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const run = runDir(out);
    const transcript = segmentFiles(run, 'transcript');
    const receipts = segmentFiles(run, 'receipts');
    expect(transcript.length).toBeGreaterThan(5);
    expect(receipts.length).toBeGreaterThan(1);
    expect(existsSync(join(run, 'transcript.ndjson'))).toBe(false);
    // Every entry once, in order, across the segments.
    const seqs = transcriptEntries(run).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.segments).toEqual([
      { stream: 'transcript', files: transcript },
      { stream: 'receipts', files: receipts },
    ]);
    const certificate = JSON.parse(readFileSync(join(run, 'certificate.json'), 'utf8')) as { cases: { evidence: string[] }[] };
    const refs = certificate.cases.flatMap((c) => c.evidence.filter((e) => e.startsWith('transcript/')));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(transcript).toContain(ref.split('#')[0]);
    const key = join(dir, 'lab.pub');
    const verified = await poshil(['verify', run, '--key', key]);
    expect(verified.exitCode, verified.stdout).toBe(0);

    const middle = transcript[Math.floor(transcript.length / 2)]!;
    const after = transcript[transcript.indexOf(middle) + 1]!;
    const tamper = async (name: string, change: (copy: string) => void): Promise<string> => {
      const copy = join(dir, name);
      cpSync(run, copy, { recursive: true });
      change(copy);
      const verdict = await poshil(['verify', copy, '--key', key]);
      expect(verdict.exitCode, `${name}: ${verdict.stdout}`).toBe(1);
      rmSync(copy, { recursive: true, force: true });
      return verdict.stdout;
    };

    const flipped = await tamper('flipped', (copy) => {
      const bytes = readFileSync(join(copy, middle));
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      writeFileSync(join(copy, middle), bytes);
    });
    expect(flipped).toContain(`${middle}: changed`);
    expect(flipped).toContain(`${after}: the transcript chain is broken`);

    const removed = await tamper('removed', (copy) => rmSync(join(copy, middle)));
    expect(removed).toContain(`${middle}: missing`);

    const swapped = await tamper('swapped', (copy) => {
      renameSync(join(copy, middle), join(copy, 'tmp'));
      renameSync(join(copy, after), join(copy, middle));
      renameSync(join(copy, 'tmp'), join(copy, after));
    });
    expect(swapped).toMatch(new RegExp(`${middle.replace('.', '\\.')}: the transcript chain is broken: it is segment \\d+ but follows segment`));

    // The HTML report of the run links the transcript's folder.
    expect(readFileSync(join(run, 'report.html'), 'utf8')).toContain('href="transcript/"');
  }, 240_000);

  it('leaves a readable record and transcript when the run is killed mid-segment', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    const out = join(dir, 'out');
    const running = poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--segment-size', '8KiB', '--reporter', 'dot', join(ROOT, 'suites', 'throughput.suite.yaml')], { timeout: 120_000 });
    // Killed once a few segments are sealed, wherever the current one stands.
    const deadline = Date.now() + 60_000;
    let run: string | undefined;
    while (Date.now() < deadline) {
      await sleep(200);
      const runs = existsSync(out) ? readdirSync(out).filter((n) => n !== 'latest') : [];
      run = runs[0] ? join(out, runs[0]) : undefined;
      if (run && segmentFiles(run, 'transcript').length >= 4) break;
    }
    running.kill('SIGKILL');
    await running;
    expect(run).toBeDefined();
    const files = segmentFiles(run!, 'transcript');
    expect(files.length).toBeGreaterThanOrEqual(4);
    const seqs = transcriptEntries(run!).map((e) => e.seq);
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    // The links between segments sealed well before the kill are whole.
    const sealed = files.slice(0, -1);
    expect(checkChain('transcript', sealed, (f) => readSegmentFacts(run!, f))).toEqual([]);
    const report = await poshil(['report', join(run!, 'record.ndjson'), '--format', 'junit']);
    expect(report.exitCode, report.stderr).toBe(0);
    expect(report.stdout).toContain('<testsuites');
  }, 120_000);
});
