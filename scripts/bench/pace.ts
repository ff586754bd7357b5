/**
 * The machine's pace: how long a fixed piece of allocation-heavy JavaScript (an object, its JSON
 * text and back, a string built from it: what a step and a simulated sale are made of) takes at
 * the moment. The bench's machine is shared with other work, and on it the same compiled code
 * has run twice as slowly for seconds to minutes at a time while plain arithmetic kept its speed;
 * every figure of the bench moved with it. Printed before and after each section, so that a
 * figure is read with the pace it was measured at, and two figures are compared only at one pace.
 */

const SLICE_MS = 25;

/** Kept alive, as a transcript keeps its recent entries: work without a live set stays in the core's own cache and misses the slow phases. */
const held = new Array<unknown>(8192);

function unit(i: number): number {
  const message = { id: i, op: 'status', args: { pad: 'x'.repeat(26), n: i & 0xff, list: [i, i + 1, i + 2] } };
  const text = JSON.stringify(message);
  const back = JSON.parse(text) as typeof message;
  held[i & 8191] = back;
  return `${back.op}:${back.args.n}:${text.length}`.length;
}

/** µs per unit of work: the median of slices over `ms`, after a warm-up that lets the JIT compile it. */
export function pace(ms = 250): number {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += unit(i);
  const perUnit: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < SLICE_MS) for (let k = 0; k < 100; k++, n++) sink += unit(n);
    perUnit.push(((performance.now() - start) * 1000) / n);
  }
  if (sink === 0) throw new Error('unreachable: keeps the work from being optimised away');
  perUnit.sort((a, b) => a - b);
  return perUnit[perUnit.length >> 1]!;
}

export const paceLine = (label: string) => `   machine pace ${label}: ${pace().toFixed(2)} µs a unit (docs/architecture.md, "Reading the figures")`;
