/**
 * Round trips for the bench: a raw 64-byte request/response over a transport, and a full
 * harness step over the same kind of link (verb out, response in, correlation, expectation,
 * transcript, record entry). The harness modules are loaded from a poshil root given at run
 * time, so the same run can time an older build (BENCH_BASELINE) against this one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Transport } from '../../devices/transports/transport.js';
import type { DoStep } from '../../harness/config/types.js';

export const REQUEST = Buffer.from(`{"id":1,"op":"status","args":{"pad":"${'x'.repeat(26)}"}}\n`);

/**
 * The harness modules a step needs, from one poshil build (its dist/ folder). An older build
 * is typed as this one: the bench only uses interfaces both have.
 */
export interface Harness {
  root: string;
  memory: typeof import('../../devices/transports/memory.js');
  serial: typeof import('../../devices/transports/serial.js');
  paced: typeof import('../../devices/transports/paced.js');
  tcp: typeof import('../../devices/transports/tcp.js');
  terminal: typeof import('../../devices/drivers/bench-terminal.js');
  journal: typeof import('../../harness/evidence/journal.js');
  ndjson: typeof import('../../harness/evidence/ndjson-file.js');
  transcript: typeof import('../../harness/evidence/transcript.js');
  expectations: typeof import('../../harness/expect/expectations.js');
  inbox: typeof import('../../harness/runner/inbox.js');
  executor: typeof import('../../harness/runner/step-executor.js');
  stimuli: typeof import('../../harness/runner/stimuli.js');
}

export async function loadHarness(root: string): Promise<Harness> {
  const load = <T>(path: string) => import(pathToFileURL(join(root, 'dist', path)).href) as Promise<T>;
  return {
    root,
    memory: await load('devices/transports/memory.js'),
    serial: await load('devices/transports/serial.js'),
    paced: await load('devices/transports/paced.js'),
    tcp: await load('devices/transports/tcp.js'),
    terminal: await load('devices/drivers/bench-terminal.js'),
    journal: await load('harness/evidence/journal.js'),
    ndjson: await load('harness/evidence/ndjson-file.js'),
    transcript: await load('harness/evidence/transcript.js'),
    expectations: await load('harness/expect/expectations.js'),
    inbox: await load('harness/runner/inbox.js'),
    executor: await load('harness/runner/step-executor.js'),
    stimuli: await load('harness/runner/stimuli.js'),
  };
}

/** Where the far end is: an in-process memory peer, a tty path, or a TCP port on loopback. */
export type Link = { kind: 'memory' } | { kind: 'pty'; path: string } | { kind: 'tcp'; port: number };

const RESPONSE_TAIL = ',"ok":true,"result":{"state":"idle","paper":"ok"}}\n';

/** The in-process responder of the memory link (a memory link has no other process to live in). */
function memoryResponder(peer: Transport): void {
  let pending = '';
  peer.onData((chunk) => {
    pending += Buffer.from(chunk).toString('latin1');
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const id = /"id":(\d+)/.exec(line)?.[1] ?? 'null';
      void peer.write(Buffer.from(`{"id":${id}${RESPONSE_TAIL}`, 'latin1'));
    }
  });
}

/** Opens the harness end of a link with the given build's transports. */
export async function openLink(h: Harness, link: Link): Promise<{ client: Transport; close(): Promise<void> }> {
  if (link.kind === 'memory') {
    const [client, peer] = h.memory.createMemoryPair();
    await client.open();
    await peer.open();
    memoryResponder(peer);
    return { client, close: async () => (await client.close(), await peer.close()) };
  }
  const client: Transport = link.kind === 'pty' ? new h.serial.SerialTransport({ path: link.path, baudRate: 115200 }) : new h.tcp.TcpTransport({ host: '127.0.0.1', port: link.port });
  await client.open();
  return { client, close: () => client.close() };
}

/** `count` raw round trips after `warmup`, in µs. */
export async function rawRoundTrips(h: Harness, link: Link, count: number, warmup: number): Promise<number[]> {
  const { client, close } = await openLink(h, link);
  const samples: number[] = [];
  let resolve: () => void = () => undefined;
  let pending = 0;
  const off = client.onData((chunk) => {
    pending += chunk.length;
    if (chunk[chunk.length - 1] === 0x0a) {
      pending = 0;
      resolve();
    }
  });
  try {
    for (let i = 0; i < count + warmup; i++) {
      const start = performance.now();
      await new Promise<void>((r) => ((resolve = r), void client.write(REQUEST)));
      if (i >= warmup) samples.push((performance.now() - start) * 1000);
    }
  } finally {
    off();
    await close();
  }
  return samples;
}

/**
 * `count` full harness steps after `warmup`, each with its record entry, in µs of wall time.
 * `cpu` receives the process's CPU time of each step: on a shared machine a step can wait for a
 * core for milliseconds, which shows in the wall time's p99 but is not the harness's doing.
 */
export async function harnessSteps(h: Harness, link: Link, count: number, warmup: number, cpu: number[] = []): Promise<number[]> {
  const { client } = await openLink(h, link);
  const dir = mkdtempSync(join(tmpdir(), 'poshil-bench-'));
  const journalFile = new h.ndjson.NdjsonFile(join(dir, 'record.ndjson'));
  const transcriptFile = new h.ndjson.NdjsonFile(join(dir, 'transcript.ndjson'));
  const transcript = new h.transcript.Transcript(transcriptFile);
  const journal = new h.journal.Journal(journalFile);
  // A run that has gone on for a while holds a full ring of recent transcript entries.
  for (let i = 0; i < 5000; i++) transcript.note('bench', 'earlier traffic');
  const terminal = new h.terminal.BenchTerminal(client, transcript.tap('link'));
  await terminal.open();
  const expect = new h.expectations.Expectations().compile({ type: 'object', required: ['state'], properties: { state: { const: 'idle' } } }, { file: 'bench', baseDir: dir, pointer: '' });
  const step: DoStep = { kind: 'do', index: 0, label: 'do status', pointer: '', timeoutMs: 2000, verb: 'status', args: { pad: 'x'.repeat(26) }, expect };
  const ctx = { terminal, stimuli: new h.stimuli.StimulusRouter({}, { via: 'simulator' }, {}), inbox: new h.inbox.EventInbox(terminal), transcript, signal: new AbortController().signal, caseStart: 0, stepStarts: new Map<string, number>(), saved: new Map<string, unknown>() };
  const samples: number[] = [];
  try {
    // Let the warm-up lines reach the disk before the first measured step.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < count + warmup; i++) {
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const record = await h.executor.executeStep(step, ctx);
      journal.append({ type: 'case.finished', case: { id: 'c', suite: 's', mandatory: true, outcome: record.outcome, startedAt: record.startedAt, durationMs: record.durationMs, attempts: [{ attempt: 1, outcome: record.outcome, startedAt: record.startedAt, durationMs: record.durationMs, steps: [record] }] } });
      const wall = (performance.now() - start) * 1000;
      const used = process.cpuUsage(cpu0);
      if (record.outcome !== 'PASS') throw new Error(`bench step did not pass: ${record.reason}`);
      if (i >= warmup) (samples.push(wall), cpu.push(used.user + used.system));
    }
  } finally {
    await terminal.close();
    await journalFile.end();
    await transcriptFile.end();
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}
