/**
 * `npm run bench`: poshil's performance figures, side by side in one run.
 *
 * 1. Round trip of a 64-byte line over each raw transport (memory, a socat pty, TCP on
 *    loopback), against a full harness step over the same transport: verb out, response in,
 *    correlation, expectation (ajv), transcript and record entry. The responder is the same
 *    minimal echo in both, so the difference is the harness's own cost.
 * 2. Transactions per second with 1 and with 64 simulated terminals driven at once.
 * 3. The throughput suite's figures, run by the CLI against the simulator.
 * 4. Benches: 1 to 64 simulated terminals in one `poshil run --bench` (scripts/bench-benches.ts).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { BenchTerminal } from '../devices/drivers/bench-terminal.js';
import { buildTrack2 } from '../devices/formats/track.js';
import { createMemoryPair } from '../devices/transports/memory.js';
import { SerialTransport } from '../devices/transports/serial.js';
import { createSocatPair } from '../devices/transports/socat-pair.js';
import { AcceptedSocketTransport, TcpTransport } from '../devices/transports/tcp.js';
import type { Transport } from '../devices/transports/transport.js';
import { startSimulator } from '../devices/simulator/server.js';
import { packageRoot } from '../harness/core/paths.js';
import type { RunRecord } from '../harness/core/record.js';
import type { DoStep } from '../harness/config/types.js';
import { Journal } from '../harness/evidence/journal.js';
import { NdjsonFile } from '../harness/evidence/ndjson-file.js';
import { Transcript } from '../harness/evidence/transcript.js';
import { Expectations } from '../harness/expect/expectations.js';
import { EventInbox } from '../harness/runner/inbox.js';
import { executeStep } from '../harness/runner/step-executor.js';
import { StimulusRouter } from '../harness/runner/stimuli.js';
import { benchSection } from './bench-benches.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5000);
const WARMUP = 500;
const RESPONSE_TAIL = ',"ok":true,"result":{"state":"idle","paper":"ok"}}\n';

interface Pair {
  client: Transport;
  peer: Transport;
  stop(): Promise<void>;
}

async function memoryPair(): Promise<Pair> {
  const [client, peer] = createMemoryPair();
  await client.open();
  await peer.open();
  return { client, peer, stop: async () => (await client.close(), await peer.close()) };
}

async function tcpPair(): Promise<Pair> {
  let accepted!: (t: Transport) => void;
  const ready = new Promise<Transport>((r) => (accepted = r));
  const sockets: Socket[] = [];
  const server = createServer((s) => (sockets.push(s), accepted(new AcceptedSocketTransport(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new TcpTransport({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  await client.open();
  const peer = await ready;
  return {
    client,
    peer,
    stop: async () => {
      await client.close();
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function ptyPair(): Promise<Pair> {
  const socat = await createSocatPair();
  const client = new SerialTransport({ path: socat.a, baudRate: 115200 });
  const peer = new SerialTransport({ path: socat.b, baudRate: 115200 });
  await client.open();
  await peer.open();
  return { client, peer, stop: async () => (await client.close(), await peer.close(), await socat.stop()) };
}

/** Answers each request line with a fixed response carrying its id: the cheapest possible terminal. */
function responder(peer: Transport): void {
  let pending = '';
  peer.onData((chunk) => {
    pending += Buffer.from(chunk).toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const id = /"id":(\d+)/.exec(line)?.[1] ?? 'null';
      void peer.write(Buffer.from(`{"id":${id}${RESPONSE_TAIL}`));
    }
  });
}

async function rawRoundTrips(pair: Pair): Promise<number[]> {
  responder(pair.peer);
  const line = Buffer.from(`{"id":1,"op":"status","args":{"pad":"${'x'.repeat(26)}"}}\n`);
  const samples: number[] = [];
  let resolve: () => void = () => undefined;
  let pending = '';
  pair.client.onData((chunk) => {
    pending += Buffer.from(chunk).toString('utf8');
    if (pending.endsWith('\n')) {
      pending = '';
      resolve();
    }
  });
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    const start = performance.now();
    await new Promise<void>((r) => ((resolve = r), void pair.client.write(line)));
    if (i >= WARMUP) samples.push((performance.now() - start) * 1000);
  }
  return samples;
}

async function harnessSteps(pair: Pair): Promise<number[]> {
  responder(pair.peer);
  const dir = mkdtempSync(join(tmpdir(), 'poshil-bench-'));
  const journalFile = new NdjsonFile(join(dir, 'record.ndjson'));
  const transcriptFile = new NdjsonFile(join(dir, 'transcript.ndjson'));
  const transcript = new Transcript(transcriptFile);
  const journal = new Journal(journalFile);
  const terminal = new BenchTerminal(pair.client, transcript.tap('link'));
  await terminal.open();
  const expect = new Expectations().compile({ type: 'object', required: ['state'], properties: { state: { const: 'idle' } } }, { file: 'bench', baseDir: dir, pointer: '' });
  const step: DoStep = { kind: 'do', index: 0, label: 'do status', pointer: '', timeoutMs: 2000, verb: 'status', args: { pad: 'x'.repeat(26) }, expect };
  const ctx = { terminal, stimuli: new StimulusRouter({}, { via: 'simulator' }, {}), inbox: new EventInbox(terminal), transcript, signal: new AbortController().signal, caseStart: 0, stepStarts: new Map<string, number>(), saved: new Map<string, unknown>() };
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    const start = performance.now();
    const record = await executeStep(step, ctx);
    journal.append({ type: 'case.finished', case: { id: 'c', suite: 's', mandatory: true, outcome: record.outcome, startedAt: record.startedAt, durationMs: record.durationMs, attempts: [] } });
    if (record.outcome !== 'PASS') throw new Error(`bench step did not pass: ${record.reason}`);
    if (i >= WARMUP) samples.push((performance.now() - start) * 1000);
  }
  await journalFile.end();
  await transcriptFile.end();
  return samples;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function transactionsPerSecond(terminals: number, perTerminal: number): Promise<{ tps: number; elapsedS: number }> {
  const track = buildTrack2({ pan: '4111111111111111', expiry: '3012', serviceCode: '101' });
  const sims = await Promise.all(
    Array.from({ length: terminals }, async (_, i) => {
      const [harnessEnd, terminalEnd] = createMemoryPair();
      await harnessEnd.open();
      await terminalEnd.open();
      const sim = await startSimulator({ link: { kind: 'memory', transport: terminalEnd }, seed: i + 1 });
      const terminal = new BenchTerminal(harnessEnd);
      await terminal.open();
      return { sim, terminal };
    }),
  );
  const start = performance.now();
  await Promise.all(
    sims.map(async ({ sim, terminal }) => {
      for (let n = 0; n < perTerminal; n++) {
        const done = new Promise<void>((resolve) => {
          const off = terminal.onEvent((e) => e.name === 'transaction.completed' && (off(), resolve()));
        });
        const reply = await terminal.call('sale', { amount: 1000, currency: 'EUR' }, { timeoutMs: 5000 });
        if (!reply.ok) throw new Error(reply.error.message);
        sim.terminal.stimulus('swipe', { track });
        await done;
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  for (const { sim, terminal } of sims) {
    await terminal.close();
    await sim.stop();
  }
  return { tps: (terminals * perTerminal) / elapsedS, elapsedS };
}

async function throughputSuite(): Promise<RunRecord> {
  const out = mkdtempSync(join(tmpdir(), 'poshil-bench-run-'));
  const root = packageRoot();
  await execa(process.execPath, [join(root, 'dist/harness/cli/main.js'), 'run', '-d', join(root, 'devices/simulator.json'), '-o', out, join(root, 'suites/throughput.suite.yaml')], { reject: false });
  const [run] = readdirSync(out);
  return JSON.parse(readFileSync(join(out, run!, 'record.json'), 'utf8')) as RunRecord;
}

const fmt = (us: number) => us.toFixed(1).padStart(9);
console.log(`poshil bench · node ${process.version} · ${ROUNDS} rounds after ${WARMUP} warm-up (µs)\n`);
console.log('transport   raw p50    raw p99   step p50   step p99   overhead p50');
for (const [name, make] of [['memory', memoryPair], ['pty', ptyPair], ['tcp', tcpPair]] as const) {
  const rawPair = await make();
  const raw = await rawRoundTrips(rawPair);
  await rawPair.stop();
  const stepPair = await make();
  const steps = await harnessSteps(stepPair);
  await stepPair.stop();
  const overhead = percentile(steps, 50) - percentile(raw, 50);
  console.log(`${name.padEnd(8)}${fmt(percentile(raw, 50))}  ${fmt(percentile(raw, 99))}  ${fmt(percentile(steps, 50))}  ${fmt(percentile(steps, 99))}  ${fmt(overhead)}${name === 'memory' ? `   (target ≤ 50: ${overhead <= 50 ? 'met' : 'MISSED'})` : ''}`);
}
console.log('\nsimulated terminals (in-process, memory links; host latency 15-60 ms per sale)');
const one = await transactionsPerSecond(1, 40);
const many = await transactionsPerSecond(64, 40);
console.log(`  1 terminal:   ${one.tps.toFixed(1)} tps`);
console.log(`  64 terminals: ${many.tps.toFixed(1)} tps  (${(many.tps / one.tps).toFixed(1)}× one terminal)`);
const record = await throughputSuite();
const load = record.suites[0]?.cases[0]?.attempts.at(-1)?.steps[0];
console.log(`\nthroughput suite (${record.suites[0]?.cases[0]?.outcome}): ${(load?.measurements ?? []).map((m) => `${m.name} ${m.value} ${m.unit}`).join(', ')}`);
await benchSection();
