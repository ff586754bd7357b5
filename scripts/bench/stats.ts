/**
 * Figures for `npm run bench`: every comparison runs its sides in rounds (A B A B …, the order
 * rotated each round), so drift of a shared machine falls on both sides alike. A ratio or an
 * overhead is taken within one round, where both sides saw the same pair and the same load,
 * and its spread across rounds is printed beside the median.
 */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** Samples of each side, one array per round. */
export class Sides {
  readonly rounds = new Map<string, number[][]>();

  add(side: string, round: number, samples: readonly number[]): void {
    const rounds = this.rounds.get(side) ?? [];
    rounds[round] = [...(rounds[round] ?? []), ...samples];
    this.rounds.set(side, rounds);
  }

  all(side: string): number[] {
    return (this.rounds.get(side) ?? []).flat();
  }

  /** Per round: a statistic of `side` divided by (or minus) the same of `base`. */
  perRound(side: string, base: string, stat: (v: readonly number[]) => number, op: 'ratio' | 'diff'): number[] {
    const a = this.rounds.get(side) ?? [];
    const b = this.rounds.get(base) ?? [];
    const out: number[] = [];
    for (let r = 0; r < Math.min(a.length, b.length); r++) {
      if (!a[r]?.length || !b[r]?.length) continue;
      out.push(op === 'ratio' ? stat(a[r]!) / stat(b[r]!) : stat(a[r]!) - stat(b[r]!));
    }
    return out;
  }
}

/** "1.08× (1.05–1.12)": the median across rounds and the range. */
export function spread(values: readonly number[], digits = 2, unit = '×'): string {
  if (values.length === 0) return '—';
  const f = (v: number) => v.toFixed(digits);
  return `${f(median(values))}${unit} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toFixed(1) : c)))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ')).join('\n');
}

/** Rotates the sides so each round starts with a different one. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
