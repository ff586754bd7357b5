import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TranscriptEntry } from '../core/record.js';
import { Transcript } from './transcript.js';

/** What the excerpt must be: the entries [from, to) still held, head and tail when many. */
function reference(all: TranscriptEntry[], held: number, from: number, to: number): TranscriptEntry[] {
  const inRange = all.slice(-held).filter((e) => e.seq >= from && e.seq < to);
  return inRange.length <= 60 ? inRange : [...inRange.slice(0, 10), ...inRange.slice(-50)];
}

describe('Transcript', () => {
  it('numbers entries and gives the excerpt of a range', () => {
    const t = new Transcript();
    t.note('link', 'one');
    t.tap('link').frame('tx', '{"id":1}');
    t.tap('link').frame('rx', new Uint8Array([0x02, 0x03]));
    expect(t.next).toBe(3);
    expect(t.excerpt(1, 3).map((e) => [e.seq, e.dir, e.text ?? e.hex])).toEqual([
      [1, 'tx', '{"id":1}'],
      [2, 'rx', '0203'],
    ]);
  });

  it('keeps the latest 4,096 entries, head and tail of a long range (property, against a plain list)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 0, max: 9000 }), (count, a, b) => {
        const t = new Transcript();
        const all: TranscriptEntry[] = [];
        for (let i = 0; i < count; i++) t.note('c', `n${i}`);
        for (let i = 0; i < count; i++) all.push({ seq: i, ms: 0, channel: 'c', dir: 'note', text: `n${i}` });
        const [from, to] = a <= b ? [a, b] : [b, a];
        expect(t.excerpt(from, to).map((e) => e.text)).toEqual(reference(all, 4096, from, to).map((e) => e.text));
      }),
      { numRuns: 60 },
    );
  });
});
