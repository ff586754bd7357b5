/**
 * Section 5 of the bench: simulated sales per second, many terminals driven at once by one
 * process over memory links (sale, swipe, wait for transaction.completed), on the main thread
 * alone and spread over worker threads, with the CPU time each sale cost the process.
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { prepareShare, type FleetShare } from './fleet-worker.js';

export interface FleetResult {
  tps: number;
  cpuMsPerSale: number;
  rssMiB: number;
}

const workerFile = join(dirname(fileURLToPath(import.meta.url)), 'fleet-worker.js');

function measure(sales: number, start: number, cpu: NodeJS.CpuUsage): FleetResult {
  const elapsed = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { tps: sales / elapsed, cpuMsPerSale: (used.user + used.system) / 1000 / sales, rssMiB: process.memoryUsage().rss / 2 ** 20 };
}

/** All terminals on this thread. */
export async function onOneThread(terminals: number, salesEach: number, hostLatencyMs: [number, number]): Promise<FleetResult> {
  const share = await prepareShare({ firstSeed: 1, terminals, salesEach, hostLatencyMs });
  const cpu = process.cpuUsage();
  const start = performance.now();
  const sales = await share.sell();
  const result = measure(sales, start, cpu);
  await share.stop();
  return result;
}

/** The terminals spread over one worker thread per core. */
export async function onWorkers(terminals: number, salesEach: number, hostLatencyMs: [number, number], threads = availableParallelism()): Promise<FleetResult & { threads: number }> {
  const workers = Array.from({ length: threads }, (_, w) => {
    const share: FleetShare = { firstSeed: 1 + w * terminals, terminals: Math.floor(terminals / threads) + (w < terminals % threads ? 1 : 0), salesEach, hostLatencyMs };
    return new Worker(workerFile, { workerData: share });
  });
  const next = (worker: Worker) => new Promise<{ sales?: number }>((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject)));
  await Promise.all(workers.map(next));
  const cpu = process.cpuUsage();
  const start = performance.now();
  const done = workers.map(next);
  for (const worker of workers) worker.postMessage('go');
  const sales = (await Promise.all(done)).reduce((n, m) => n + (m.sales ?? 0), 0);
  const result = measure(sales, start, cpu);
  await Promise.all(workers.map((w) => w.terminate()));
  return { ...result, threads };
}
