import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createMemoryPair } from '../transports/memory.js';
import type { Transport } from '../transports/transport.js';
import { LineFramer } from './lines.js';
import type { WireTap } from './wire-tap.js';

/** Feeds chunks straight into the framer's data listener, as a transport would. */
function harness(maxLineBytes = 64) {
  let feed: (chunk: Uint8Array) => void = () => undefined;
  let close: (error: Error | null) => void = () => undefined;
  const transport: Transport = {
    address: 'test:',
    isOpen: true,
    open: async () => undefined,
    write: async () => undefined,
    onData: (l) => ((feed = l), () => undefined),
    onClose: (l) => ((close = l), () => undefined),
    close: async () => undefined,
  };
  const lines: string[] = [];
  const oversize: number[] = [];
  const tapped: { kind: string; bytes: number }[] = [];
  const tap: WireTap = {
    frame: (_dir, frame) => tapped.push({ kind: 'frame', bytes: Buffer.byteLength(frame as string) + 1 }),
    discarded: (_dir, bytes) => tapped.push({ kind: 'discarded', bytes: bytes.length }),
  };
  new LineFramer(transport, { line: (l) => lines.push(l), oversize: (n) => oversize.push(n) }, { maxLineBytes, tap });
  return { feed: (c: Uint8Array) => feed(c), close: (e: Error | null) => close(e), lines, oversize, tapped };
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe('LineFramer', () => {
  const stream = bytes('{"id":1,"ok":true}\n{"event":"card.read","data":{"x":"ä€"}}\r\n\n{"id":2}\n');
  // The empty line is not delivered: the readline parser emits no empty frames.
  const expected = ['{"id":1,"ok":true}', '{"event":"card.read","data":{"x":"ä€"}}', '{"id":2}'];

  it('gives the same lines wherever the input is split', () => {
    for (let split = 0; split <= stream.length; split++) {
      const h = harness();
      h.feed(stream.subarray(0, split));
      h.feed(stream.subarray(split));
      expect(h.lines, `split at ${split}`).toEqual(expected);
    }
  });

  it('gives the same lines for any chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), (cuts) => {
        const h = harness();
        const points = [0, ...[...cuts].sort((a, b) => a - b), stream.length];
        for (let i = 1; i < points.length; i++) h.feed(stream.subarray(points[i - 1]!, points[i]!));
        expect(h.lines).toEqual(expected);
      }),
    );
  });

  it('drops an over-long line up to its newline, reports it once, and goes on', () => {
    const h = harness(10);
    h.feed(bytes('short\n' + 'x'.repeat(7)));
    h.feed(bytes('y'.repeat(30)));
    h.feed(bytes('zz\nafter\n'));
    expect(h.lines).toEqual(['short', 'after']);
    expect(h.oversize).toEqual([39]);
  });

  it('hands every received byte to the tap exactly once', () => {
    const input = 'ok\n' + 'q'.repeat(25) + '\nlast\npartial';
    const h = harness(10);
    for (const ch of input) h.feed(bytes(ch));
    h.close(null);
    expect(h.tapped.reduce((n, t) => n + t.bytes, 0)).toBe(bytes(input).length);
  });

  it('hands the tap the bytes of a line that is not UTF-8, not their U+FFFD decoding', () => {
    const frames: (string | Uint8Array)[] = [];
    let feed: (chunk: Uint8Array) => void = () => undefined;
    const transport = { address: 'test:', isOpen: true, open: async () => undefined, write: async () => undefined, onData: (l: (c: Uint8Array) => void) => ((feed = l), () => undefined), onClose: () => () => undefined, close: async () => undefined } as Transport;
    const lines: string[] = [];
    new LineFramer(transport, { line: (l) => lines.push(l) }, { tap: { frame: (_dir, frame) => frames.push(frame), discarded: () => undefined } });
    const garbled = Uint8Array.from([0x7b, 0xff, 0xfe, 0x41, 0x0a]);
    const chunk = Buffer.concat([garbled, bytes('{"ok":"\ufffd"}\n')]);
    feed(chunk);
    chunk.fill(0); // the transport reuses its chunk: the tap's bytes are a copy
    expect(frames[0]).toEqual(Buffer.from([0x7b, 0xff, 0xfe, 0x41]));
    // A line that holds U+FFFD as UTF-8 is text.
    expect(frames[1]).toBe('{"ok":"\ufffd"}');
    expect(lines).toEqual(['{\ufffd\ufffdA', '{"ok":"\ufffd"}']);
  });

  it('accepts a line of exactly the limit', () => {
    const h = harness(10);
    h.feed(bytes('0123456789\n'));
    expect(h.lines).toEqual(['0123456789']);
    expect(h.oversize).toEqual([]);
  });

  it('sends lines with a newline over a real transport pair', async () => {
    const [a, b] = createMemoryPair();
    await a.open();
    await b.open();
    const received: string[] = [];
    const got = new Promise<void>((resolve) => new LineFramer(b, { line: (l) => (received.push(l), received.length === 2 && resolve()) }));
    const sender = new LineFramer(a, { line: () => undefined });
    await sender.send('one');
    await sender.send('two');
    await got;
    expect(received).toEqual(['one', 'two']);
  });
});
