/** Child processes for the bench: the responder, pyserial, and timed command lines. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../harness/core/paths.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Files that are not compiled (python, the CommonJS probe) are used from the sources. */
const sources = () => join(packageRoot(), 'scripts', 'bench');

export interface Child {
  /** The first JSON line the child printed ({"ready":true,…}). */
  ready: Record<string, unknown>;
  /** Later JSON lines, as they come. */
  next(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts dist/scripts/bench/responder.js with these arguments and waits for its ready line. */
export async function startResponder(args: string[]): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, [join(here, 'responder.js'), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: Record<string, unknown>[] = [];
  const waiting: ((v: Record<string, unknown>) => void)[] = [];
  lines.on('line', (line) => {
    const value = JSON.parse(line) as Record<string, unknown>;
    const w = waiting.shift();
    if (w) w(value);
    else queue.push(value);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = () => {
    const value = queue.shift();
    if (value) return Promise.resolve(value);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      waiting.push(resolve);
      void exited.then(() => reject(new Error(`responder ${args.join(' ')} exited early`)));
    });
  };
  const ready = await next();
  return {
    ready,
    next,
    stop: async () => {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A python3 that can import pyserial, or undefined. */
export function pythonWithPyserial(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import serial'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

export async function pyserialLoop(python: string, tty: string, count: number, warmup: number): Promise<number[]> {
  const script = join(sources(), 'pyserial-loop.py');
  const child = spawn(python, [script, tty, String(count), String(warmup)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`pyserial loop on ${tty} exited with ${code}`);
  return JSON.parse(out) as number[];
}

/** Wall time (ms) of a command from spawn to exit; throws when it fails. */
export function timeCommand(command: string, args: string[]): number {
  const start = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}: ${result.stderr.toString().slice(-300)}`);
  return ms;
}

/** Runs a command and returns its wall time and peak resident memory (MiB, from the kernel). */
export function timeWithRss(command: string, args: string[]): { ms: number; rssMiB: number } {
  const probe = join(sources(), 'rss-probe.cjs');
  const start = performance.now();
  const result = spawnSync(command, ['-r', probe, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 24 });
  const ms = performance.now() - start;
  const stderr = result.stderr.toString();
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}: ${stderr.slice(-300)}`);
  const kib = Number(/poshil-bench-maxrss (\d+)/.exec(stderr)?.[1] ?? NaN);
  return { ms, rssMiB: kib / 1024 };
}
