/**
 * Section 3 of the bench: a run record of 100,000 steps, written by each build's own journal
 * from real steps (memory link, the minimal responder; one case in a hundred fails and so
 * carries its transcript excerpt), then rendered by that build's `poshil report` as JUnit and
 * HTML, timed with its peak memory. Bytes per step are each file's size / steps.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaseRecord, StepRecord } from '../../harness/core/record.js';
import { timeWithRss } from './children.js';
import { openLink, type Harness } from './step-loop.js';
import { median, rotated, table } from './stats.js';

const STEPS_PER_CASE = 10;

export async function writeBigRecord(h: Harness, dir: string, steps: number): Promise<void> {
  const { client } = await openLink(h, { kind: 'memory' });
  const journalFile = new h.ndjson.NdjsonFile(join(dir, 'record.ndjson'));
  const transcriptFile = new h.ndjson.NdjsonFile(join(dir, 'transcript.ndjson'));
  const transcript = new h.transcript.Transcript(transcriptFile);
  const journal = new h.journal.Journal(journalFile);
  const terminal = new h.terminal.BenchTerminal(client, transcript.tap('link'));
  await terminal.open();
  const at = { file: 'bench', baseDir: dir, pointer: '' };
  const idle = new h.expectations.Expectations().compile({ type: 'object', required: ['state', 'paper'], properties: { state: { const: 'idle' }, paper: { enum: ['ok', 'low'] } } }, at);
  const busy = new h.expectations.Expectations().compile({ type: 'object', required: ['state'], properties: { state: { const: 'busy' } } }, at);
  const ctx = { terminal, stimuli: new h.stimuli.StimulusRouter({}, { via: 'simulator' }, {}), inbox: new h.inbox.EventInbox(terminal), transcript, signal: new AbortController().signal, caseStart: 0, stepStarts: new Map<string, number>(), saved: new Map<string, unknown>() };
  const started = new Date().toISOString();
  journal.append({ type: 'run.started', header: { schemaVersion: 1, runId: 'bench-100k', tool: { name: 'poshil', version: '0.0.0', node: process.version }, host: 'bench', startedAt: started, options: { retries: 0 }, device: { profile: 'devices/simulator.json', name: 'bench responder', protocol: 'bench', address: 'memory' }, inputs: [] } });
  journal.append({ type: 'suite.started', suite: { id: 'load', title: 'Many small steps', file: 'bench.suite.yaml', sha256: '0'.repeat(64) } });
  for (let c = 0; c < steps / STEPS_PER_CASE; c++) {
    const records: StepRecord[] = [];
    const fails = c % 100 === 99;
    for (let s = 0; s < STEPS_PER_CASE; s++) {
      const expect = fails && s === STEPS_PER_CASE - 1 ? busy : idle;
      records.push(await h.executor.executeStep({ kind: 'do', index: s, label: 'do status', pointer: `/cases/${c}/steps/${s}`, timeoutMs: 2000, verb: 'status', args: { pad: 'x'.repeat(26) }, expect }, ctx));
    }
    const outcome = records.some((r) => r.outcome !== 'PASS') ? 'FAIL' : 'PASS';
    const durationMs = records.reduce((t, r) => t + r.durationMs, 0);
    const record: CaseRecord = { id: `case-${c}`, title: `status ${c}`, suite: 'load', mandatory: true, outcome, ...(outcome === 'FAIL' ? { reason: records.at(-1)!.reason ?? '' } : {}), startedAt: records[0]!.startedAt, durationMs, attempts: [{ attempt: 1, outcome, startedAt: records[0]!.startedAt, durationMs, steps: records }] };
    journal.append({ type: 'case.finished', case: record });
  }
  journal.append({ type: 'run.finished', status: 'finished', finishedAt: new Date().toISOString(), durationMs: 1 });
  await terminal.close();
  await journalFile.end();
  await transcriptFile.end();
  await h.journal.writeRecordJson(join(dir, 'record.json'), journal.record());
}

export async function bigRecord(steps: number, rounds: number, builds: [string, Harness][]): Promise<string> {
  const dirs = new Map<string, string>();
  const rows: (string | number)[][] = [];
  try {
    for (const [name, h] of builds) {
      const dir = mkdtempSync(join(tmpdir(), 'poshil-bench-record-'));
      dirs.set(name, dir);
      await writeBigRecord(h, dir, steps);
      for (const file of ['record.json', 'record.ndjson']) {
        const size = statSync(join(dir, file)).size;
        rows.push([`${name}: ${file}`, `${(size / steps).toFixed(0)} B/step`, `${(size / 2 ** 20).toFixed(1)} MiB`, '']);
      }
    }
    const jobs = builds.flatMap(([name, h]) =>
      (['junit', 'html'] as const).map((format) => ({ name: `${name}: report --format ${format}`, args: [join(h.root, 'dist/harness/cli/main.js'), 'report', join(dirs.get(name)!, 'record.json'), '--format', format, '-o', join(dirs.get(name)!, `out.${format}`)], out: join(dirs.get(name)!, `out.${format}`) })),
    );
    const times = new Map<string, { ms: number[]; rss: number[] }>();
    for (let round = 0; round < rounds; round++) {
      for (const job of rotated(jobs, round)) {
        const { ms, rssMiB } = timeWithRss(process.execPath, job.args);
        const t = times.get(job.name) ?? { ms: [], rss: [] };
        t.ms.push(ms);
        t.rss.push(rssMiB);
        times.set(job.name, t);
      }
    }
    for (const job of jobs) {
      const t = times.get(job.name)!;
      rows.push([job.name, `${(median(t.ms) / 1000).toFixed(2)} s`, `${(statSync(job.out).size / 2 ** 20).toFixed(1)} MiB out`, `${Math.max(...t.rss).toFixed(0)} MiB peak RSS`]);
    }
  } finally {
    for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
  }
  return table([`${steps.toLocaleString('en')} steps`, 'median', 'size', 'memory'], rows);
}
