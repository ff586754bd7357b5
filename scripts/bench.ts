/**
 * `npm run bench`: poshil's performance figures, each comparison measured side by side in one
 * run (docs/architecture.md, "Performance"). Every comparison runs its sides interleaved in
 * rounds (A B A B …, order rotated per round); serial and TCP responders run in their own
 * process, and each pty round gets a fresh socat pair.
 *
 *   BENCH_BASELINE=DIR   also time an older poshil build (a checkout with dist/ and node_modules)
 *   BENCH_ROUNDS=n       rounds per comparison (default 7, at least 5)
 *   BENCH_SAMPLES=n      round trips per side per round (default 2000)
 *   BENCH_STEPS=n        steps in the generated record (default 100000)
 *   BENCH_ONLY=a,b       sections: trips,startup,record,pacing,terminals,benches,lab,panel
 *   BENCH_LAB=w,t,j      lab size: workers, terminals each, jobs (default 4,16,1000; scripts/bench-lab.ts)
 *   BENCH_PANEL=w,t,r    panel bench: workers, terminals each, rounds (default 4,16,3; scripts/bench-panel.ts)
 *   BENCH_TERMINALS=a,b  bench sizes for `benches` (default 1,8,32,64; scripts/bench-benches.ts)
 *   BENCH_BUNDLED_TERMINALS=a,b  sizes that run every bundled suite against one terminal (default 64; empty: none)
 */
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { packageRoot } from '../harness/core/paths.js';
import { bigRecord } from './bench/big-record.js';
import { pythonWithPyserial } from './bench/children.js';
import { paceLine } from './bench/pace.js';
import { pacing } from './bench/pacing.js';
import { roundTrips, roundTripTable } from './bench/round-trips.js';
import { startup } from './bench/startup.js';
import { loadHarness, type Harness } from './bench/step-loop.js';
import { onOneThread, onWorkers, type FleetResult } from './bench/terminals.js';
import { table } from './bench/stats.js';
import { benchSection } from './bench-benches.js';
import { labSection } from './bench-lab.js';
import { panelSection } from './bench-panel.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = Math.max(5, env('BENCH_ROUNDS', 7));
const SAMPLES = env('BENCH_SAMPLES', 2000);
const SLICES = 5;
const WARMUP = 50;
const STEPS = env('BENCH_STEPS', 100_000);
const only = new Set((process.env['BENCH_ONLY'] ?? 'trips,startup,record,pacing,terminals,benches,lab,panel').split(','));

const root = packageRoot();
const current = await loadHarness(root);
const baselineRoot = process.env['BENCH_BASELINE'] ? resolve(process.env['BENCH_BASELINE']) : undefined;
const baseline = baselineRoot ? await loadHarness(baselineRoot) : undefined;
const builds: [string, Harness][] = baseline ? [['before', baseline], ['now', current]] : [['now', current]];
const python = pythonWithPyserial();

console.log(`poshil bench · node ${process.version} · ${ROUNDS} rounds · ${SAMPLES} round trips per side per round, in ${SLICES} slices after ${WARMUP} warm-up each`);
console.log(baselineRoot ? `"before" is the build in ${baselineRoot}` : 'no BENCH_BASELINE: this build only');
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores (figures are of a shared machine: read ratios)`);
console.log(paceLine('now') + '\n');

if (only.has('trips')) {
  console.log('1. Round trip of a 64-byte request: raw transport vs a full harness step (µs)');
  if (!python) console.log('   (no python3 with pyserial: the pyserial floor is skipped; apt-get install python3-serial)');
  for (const kind of ['memory', 'pty', 'tcp'] as const) {
    const sides = await roundTrips(kind, { rounds: ROUNDS, samples: SAMPLES, slices: SLICES, warmup: WARMUP, current, baseline, python });
    console.log(roundTripTable(kind, sides, kind === 'pty' && python ? 'pyserial' : 'raw'));
    console.log(paceLine(`after ${kind}`) + '\n');
  }
}
if (only.has('startup')) {
  console.log('2. Start-up (ms, wall clock from spawn)');
  console.log(await startup(ROUNDS, root, baselineRoot));
  console.log(paceLine('after') + '\n');
}
if (only.has('record')) {
  console.log('3. Reports of a generated record (each build writes its own record from real steps)');
  console.log(await bigRecord(STEPS, Math.min(ROUNDS, 5), builds));
  console.log(paceLine('after') + '\n');
}
if (only.has('pacing')) {
  console.log('4. Paced serial output (PacedTransport over a pty, receiver in another process)');
  console.log(await pacing(builds));
  console.log(paceLine('after') + '\n');
}
if (only.has('terminals')) {
  console.log('5. Simulated terminals in memory, one process: sale, swipe, transaction.completed');
  const rows: (string | number)[][] = [];
  const row = (what: string, r: FleetResult) => rows.push([what, r.tps.toFixed(0), r.cpuMsPerSale.toFixed(3), r.rssMiB.toFixed(0)]);
  row('1 terminal, host 15-60 ms', await onOneThread(1, 40, [15, 60]));
  row('64 terminals, host 15-60 ms', await onOneThread(64, 40, [15, 60]));
  row('256 terminals, host 0, main thread', await onOneThread(256, 40, [0, 0]));
  const spread = await onWorkers(256, 80, [0, 0]);
  row(`256 terminals, host 0, ${spread.threads} worker threads`, spread);
  console.log(table(['terminals', 'tx/s', 'CPU ms per sale', 'RSS MiB'], rows));
  console.log(paceLine('after') + '\n');
}
if (only.has('benches')) {
  console.log('6. Benches: N simulated terminals in one `poshil run --bench` (docs/benches.md)');
  await benchSection();
  console.log(paceLine('after') + '\n');
}
if (only.has('lab')) {
  console.log('7. Lab: workers taking one-case jobs from one PostgreSQL (docs/lab.md)');
  const [workers, terminals, jobs] = (process.env['BENCH_LAB'] ?? '4,16,1000').split(',').map(Number) as [number, number, number];
  console.log(await labSection(workers, terminals, jobs));
  console.log(paceLine('after') + '\n');
}
if (only.has('panel')) {
  console.log('8. Lab panel: first paint and live updates in chromium with 64 devices at work (docs/panel.md)');
  const [workers, terminals, rounds] = (process.env['BENCH_PANEL'] ?? '4,16,3').split(',').map(Number) as [number, number, number];
  console.log(await panelSection(workers, terminals, rounds));
  console.log(paceLine('after') + '\n');
}
