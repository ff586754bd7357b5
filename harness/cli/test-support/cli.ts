/**
 * Black-box helpers: write suites and profiles into a temp dir, run the built CLI as a child
 * process, and read what it wrote (exit code, record, JUnit XML, log lines).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll } from 'vitest';
import { packageRoot } from '../../core/paths.js';
import type { RunRecord, TranscriptEntry } from '../../core/record.js';
import { readTranscript, transcriptFiles } from '../../evidence/transcript-reader.js';

export const CLI = join(packageRoot(), 'dist', 'harness', 'cli', 'main.js');
export const ROOT = packageRoot();

/** Every workspace a test file made is removed when the file's tests end. */
const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

export function workspace(files: Record<string, string | object> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-e2e-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

export function poshil(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): ResultPromise<{ reject: false }> {
  return execa(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    reject: false,
    timeout: options.timeout ?? 60_000,
    env: { NO_COLOR: '1', ...options.env },
    stdin: 'ignore',
  }) as ResultPromise<{ reject: false }>;
}

/** The single run directory under OUT (beside the `latest` link). */
export function runDir(out: string): string {
  const runs = readdirSync(out).filter((name) => name !== 'latest' && !name.startsWith('.'));
  if (runs.length !== 1) throw new Error(`expected one run in ${out}, found ${runs.length}`);
  return join(out, runs[0]!);
}

export function readRecordJson(dir: string): RunRecord {
  return JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8')) as RunRecord;
}

/** Every entry of a run's transcript, across its segments. */
export function transcriptEntries(dir: string): TranscriptEntry[] {
  return readTranscript(dir);
}

/** The text of every transcript segment of a run, in order (headers included). */
export function transcriptText(dir: string): string {
  const files = transcriptFiles(dir);
  if (files.length === 0) throw new Error(`no transcript in ${dir}`);
  return files.map((f) => readFileSync(join(dir, f), 'utf8')).join('');
}

export function logLines(dir: string): { msg?: string; level: number; [k: string]: unknown }[] {
  return readFileSync(join(dir, 'poshil.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg?: string; level: number });
}

/** A profile that launches the simulator, over TCP or a pty. */
export function simulatorProfile(kind: 'tcp' | 'pty' = 'tcp', extraArgs: string[] = []): object {
  return kind === 'tcp'
    ? { name: 'sim', protocol: 'bench', transport: { type: 'tcp', host: '127.0.0.1' }, simulator: { args: ['--tcp', '127.0.0.1:0', '--seed', '7', ...extraArgs] }, defaultStimulus: { via: 'simulator' } }
    : { name: 'sim-pty', protocol: 'bench', transport: { type: 'serial', baudRate: 115200 }, simulator: { args: ['--pty', '--seed', '7', ...extraArgs] }, defaultStimulus: { via: 'simulator' } };
}
