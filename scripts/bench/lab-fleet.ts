/**
 * A lab for a benchmark: an embedded PostgreSQL in a temporary folder and W `poshil lab worker`
 * processes, each with a bench of T in-process simulated terminals labelled model=p3. `close()`
 * stops every process it started, the server, and removes the folder.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { packageRoot } from '../../harness/core/paths.js';
import { labDown, labPaths, labUp, labUrl } from '../../harness/lab/embedded/server.js';
import { ensureDatabase, prepareSchema } from '../../harness/lab/setup.js';
import { cpuMs, treeCpuMs } from './process-cpu.js';

export const CLI = join(packageRoot(), 'dist', 'harness', 'cli', 'main.js');

export interface BenchLab {
  home: string;
  labDir: string;
  url: string;
  benches: string[];
  /** CPU time so far, ms: the worker processes', and the PostgreSQL server's with every backend. */
  cpuMs(): { workers: number; database: number };
  /** `poshil ARGS` in the lab's folder, stopped by close(). */
  poshil(args: string[], output?: 'ignore' | 'all'): ResultPromise;
  close(): Promise<void>;
}

export async function startBenchLab(name: string, workers: number, terminals: number): Promise<BenchLab> {
  const home = mkdtempSync(join(tmpdir(), `poshil-bench-${name}-`));
  chmodSync(home, 0o755);
  const labDir = join(home, 'lab');
  const children: ResultPromise[] = [];
  // One clean-up, whoever asks first (the bench's own `finally` or a signal); the signal handlers
  // stay until it is done, so a second Ctrl-C during it does not cut it short.
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const child of children) child.kill('SIGINT');
      await Promise.allSettled(children);
      await labDown(labDir, 'immediate').catch(() => {});
      rmSync(home, { recursive: true, force: true });
    })().finally(() => process.off('SIGINT', interrupted).off('SIGTERM', interrupted).off('exit', killWorkers)));
  // A bench stopped with Ctrl-C (or killed by a time-out) leaves no PostgreSQL or worker behind.
  // The workers are stopped here, not by execa's own clean-up (`cleanup: false`): that one kills
  // this process again on the signal before the server could be stopped. Connections to the
  // server being stopped then fail; that is expected and must not stop the clean-up.
  const interrupted = (signal: NodeJS.Signals) => {
    process.on('uncaughtException', () => undefined);
    void close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  // A bench that crashes past its own `finally` still takes its workers with it; its server stays
  // up then (`poshil lab down --dir HOME/lab` stops it).
  const killWorkers = () => children.forEach((child) => child.kill('SIGKILL'));
  process.on('SIGINT', interrupted).on('SIGTERM', interrupted).on('exit', killWorkers);
  // BENCH_PROFILE_DIR=DIR: every poshil process of the lab writes a V8 CPU profile there.
  const profile = process.env['BENCH_PROFILE_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR']}`] : [];
  const poshil = (args: string[], output: 'ignore' | 'all' = 'ignore') => {
    const child = execa(process.execPath, [...profile, CLI, ...args], { cwd: home, reject: false, cleanup: false, ...(output === 'all' ? { all: true } : { stdio: 'ignore' }) });
    children.push(child);
    return child;
  };
  try {
    const server = await labUp(labDir, { serverFlags: ['-c max_connections=200'] });
    await ensureDatabase(server);
    const url = labUrl(server);
    await prepareSchema(url);
    const benches = Array.from({ length: workers }, (_, w) => {
      const path = join(home, `w${w + 1}.bench.yaml`);
      const devices = Array.from({ length: terminals }, (_, t) => `  - name: t${t + 1}\n    profile: ${join(packageRoot(), 'devices', 'simulator.json')}\n    labels: { model: p3 }\n    seed: ${w * 1000 + t}\n`).join('');
      writeFileSync(path, `bench: w${w + 1}\ndevices:\n${devices}`);
      return path;
    });
    const workerProcesses = benches.map((bench, w) => poshil(['lab', 'worker', '--dir', labDir, '--bench', bench, '--name', `w${w + 1}`, '--in-process-simulators']));
    // postmaster.pid's first line is the server's pid.
    const postmaster = Number(readFileSync(join(labPaths(labDir).data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const cpu = () => ({ workers: workerProcesses.reduce((sum, child) => sum + (child.pid ? cpuMs(child.pid) : 0), 0), database: treeCpuMs(postmaster) });
    return { home, labDir, url, benches, cpuMs: cpu, poshil, close };
  } catch (error) {
    await close();
    throw error;
  }
}
