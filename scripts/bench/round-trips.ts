/**
 * Section 1 of the bench: a harness step against the raw round trip it is built on, per
 * transport. Every round gets a fresh link (a new socat pair for the pty, a new responder
 * process for pty and TCP) and runs all sides on it, alternating in short slices (A B A B …,
 * rotated), so a ratio or overhead compares two sides that saw the same pair and the same
 * load at the same time. A side that still comes out faster than the raw round trip it
 * contains is reported as INVALID, never printed as a negative overhead.
 */
import { createSocatPair } from '../../devices/transports/socat-pair.js';
import { startResponder, pyserialLoop, type Child } from './children.js';
import { harnessSteps, rawRoundTrips, type Harness, type Link } from './step-loop.js';
import { median, percentile, rotated, Sides, spread, table } from './stats.js';

export interface RoundTripOptions {
  rounds: number;
  samples: number;
  /** Alternations per round: each side's samples are split into this many slices. */
  slices: number;
  warmup: number;
  current: Harness;
  baseline?: Harness | undefined;
  python?: string | undefined;
}

interface Side {
  name: string;
  /** Runs one slice; `also` takes further figures of the same run (CPU time per step). */
  run(link: Link, tty: string | undefined, also: (name: string, samples: number[]) => void): Promise<number[]>;
}

async function withLink<T>(kind: 'memory' | 'pty' | 'tcp', use: (link: Link, tty: string | undefined) => Promise<T>): Promise<T> {
  if (kind === 'memory') return use({ kind: 'memory' }, undefined);
  let responder: Child | undefined;
  if (kind === 'tcp') {
    responder = await startResponder(['--tcp']);
    try {
      return await use({ kind: 'tcp', port: responder.ready['port'] as number }, undefined);
    } finally {
      await responder.stop();
    }
  }
  const pair = await createSocatPair();
  try {
    responder = await startResponder(['--pty', pair.b]);
    return await use({ kind: 'pty', path: pair.a }, pair.a);
  } finally {
    await responder?.stop();
    await pair.stop();
  }
}

export async function roundTrips(kind: 'memory' | 'pty' | 'tcp', o: RoundTripOptions): Promise<Sides> {
  const steps = async (h: Harness, link: Link, cpuName: string, also: (name: string, samples: number[]) => void) => {
    const cpu: number[] = [];
    const wall = await harnessSteps(h, link, o.samples / o.slices, o.warmup, cpu);
    also(cpuName, cpu);
    return wall;
  };
  const sides: Side[] = [
    { name: 'raw', run: (link) => rawRoundTrips(o.current, link, o.samples / o.slices, o.warmup) },
    { name: 'step', run: (link, _, also) => steps(o.current, link, 'step CPU', also) },
  ];
  if (o.baseline) sides.push({ name: 'step before', run: (link, _, also) => steps(o.baseline!, link, 'step before CPU', also) });
  if (kind === 'pty' && o.python) sides.push({ name: 'pyserial', run: (_, tty) => pyserialLoop(o.python!, tty!, o.samples / o.slices, o.warmup) });
  const result = new Sides();
  for (let round = 0; round < o.rounds; round++) {
    await withLink(kind, async (link, tty) => {
      for (let slice = 0; slice < o.slices; slice++) {
        for (const side of rotated(sides, round + slice)) result.add(side.name, round, await side.run(link, tty, (name, samples) => result.add(name, round, samples)));
      }
    });
  }
  return result;
}

/** The table of one transport: each side's p50/p99, its ratio to raw, and its overhead. */
export function roundTripTable(kind: string, sides: Sides, floor: string): string {
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const name of sides.rounds.keys()) {
    const all = sides.all(name);
    if (name.endsWith(' CPU')) {
      rows.push([`${kind} ${name}`, median(all), percentile(all, 99), '—', '—', '—']);
      continue;
    }
    const over = sides.perRound(name, 'raw', median, 'diff');
    const invalid = name !== 'raw' && name !== 'pyserial' && over.some((v) => v < 0);
    if (invalid) notes.push(`  ${name}: INVALID in ${over.filter((v) => v < 0).length} round(s) — faster than the raw round trip it contains; the machine was too noisy, run again`);
    rows.push([
      `${kind} ${name}`,
      median(all),
      percentile(all, 99),
      name === 'raw' ? '—' : spread(sides.perRound(name, 'raw', median, 'ratio')),
      name === 'raw' || name === 'pyserial' ? '—' : invalid ? 'INVALID' : spread(over, 1, ' µs'),
      sides.rounds.has(floor) && name !== floor ? `${spread(sides.perRound(name, floor, median, 'ratio'))} / ${spread(sides.perRound(name, floor, (v) => percentile(v, 99), 'ratio'))}` : '—',
    ]);
  }
  const head = ['side', 'p50 µs', 'p99 µs', 'p50 ÷ raw (range over rounds)', 'overhead p50 (range)', `÷ ${floor} p50 / p99`];
  return [table(head, rows), ...notes].join('\n');
}
