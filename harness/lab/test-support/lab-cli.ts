/**
 * Black-box helpers for the lab: worker processes started from the built CLI (stopped when the
 * test file ends), a bench of in-process simulated terminals, and direct queries for checking
 * what the database holds.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { afterAll } from 'vitest';
import { packageRoot } from '../../core/paths.js';

const ROOT = packageRoot();
const CLI = join(ROOT, 'dist', 'harness', 'cli', 'main.js');

const started: ResultPromise[] = [];
afterAll(async () => {
  for (const worker of started) worker.kill('SIGKILL');
  await Promise.allSettled(started);
});

/** Kills the workers still running (an afterEach of files whose tests each start their own). */
export async function killWorkers(): Promise<void> {
  const alive = started.filter((w) => w.exitCode === null && w.signalCode === null);
  for (const worker of alive) worker.kill('SIGKILL');
  await Promise.allSettled(alive);
}

export interface WorkerProcess {
  process: ResultPromise;
  output(): string;
  /** Resolves when the worker printed a line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function startWorker(args: { dir: string; bench: string; name: string; extra?: string[]; cwd: string }): WorkerProcess {
  const child = execa(process.execPath, [CLI, 'lab', 'worker', '--dir', args.dir, '--bench', args.bench, '--name', args.name, '--lease-ttl', '3s', '--heartbeat', '500ms', '--in-process-simulators', ...(args.extra ?? [])], {
    cwd: args.cwd,
    reject: false,
    all: true,
    env: { NO_COLOR: '1' },
    stdin: 'ignore',
  });
  started.push(child);
  let text = '';
  child.all?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    process: child,
    output: () => text,
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker ${args.name} did not print ${pattern} within ${timeoutMs} ms:\n${text}`)), timeoutMs);
        const check = () => {
          if (!pattern.test(text)) return;
          clearTimeout(timer);
          child.all?.off('data', check);
          resolve();
        };
        child.all?.on('data', check);
        check();
      }),
  };
}

/** A bench of `count` simulated TCP terminals, with the bundled suites' fixtures beside a suites folder. */
export function labWorkspace(home: string, count: number, labels: Record<string, string> = {}): { bench: string; suites: string } {
  const devices = Array.from({ length: count }, (_, i) => `  - name: t${i + 1}\n    profile: ${join(ROOT, 'devices', 'simulator.json')}\n    labels: { model: p3, firmware: "2.${i % 2}", site: store-${i + 1}${Object.entries(labels).map(([k, v]) => `, ${k}: ${v}`).join('')} }\n    seed: ${100 + i}\n`).join('');
  const bench = join(home, 'lab-a.bench.yaml');
  writeFileSync(bench, `bench: lab-a\nquarantineAfter: 3\ndevices:\n${devices}`);
  const suites = join(home, 'suites');
  cpSync(join(ROOT, 'suites', 'fixtures'), join(suites, 'fixtures'), { recursive: true });
  cpSync(join(ROOT, 'suites', 'schemas'), join(suites, 'schemas'), { recursive: true });
  cpSync(join(ROOT, 'suites', 'smoke.suite.yaml'), join(suites, 'smoke.suite.yaml'));
  return { bench, suites };
}

/** A suite whose second case runs sales for `seconds`: long enough to kill or cut off a worker in it. */
export function slowSuite(suites: string, seconds: number): string {
  const path = join(suites, 'slow.suite.yaml');
  writeFileSync(
    path,
    `suite: slow
cases:
  - id: quick
    steps:
      - do: identify
  - id: sales-for-a-while
    steps:
      - load:
          stimulus: swipe
          fixture: cards/visa-approved
          verb: sale
          args: { amount: 1000, currency: EUR }
          duration: ${seconds}s
          rate: 5/s
          limits:
            successRate: { min: 90 }
`,
  );
  return path;
}

export async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
