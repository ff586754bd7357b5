import { afterEach, describe, expect, it } from 'vitest';
import { LineFramer } from '../../framing/lines.js';
import { createMemoryPair } from '../../transports/memory.js';
import type { Transport } from '../../transports/transport.js';
import { BenchClient } from './client.js';
import { parseBenchLine } from './messages.js';

describe('parseBenchLine', () => {
  it('classifies requests, responses, events and junk', () => {
    expect(parseBenchLine('{"id":7,"op":"sale","args":{"amount":1250}}')).toEqual({ kind: 'request', message: { id: 7, op: 'sale', args: { amount: 1250 } } });
    expect(parseBenchLine('{"id":7,"ok":true,"result":{"a":1}}')).toEqual({ kind: 'response', message: { id: 7, ok: true, result: { a: 1 } } });
    expect(parseBenchLine('{"id":null,"ok":false,"error":{"code":"MALFORMED"}}')).toEqual({
      kind: 'response',
      message: { id: null, ok: false, error: { code: 'MALFORMED', message: 'MALFORMED' } },
    });
    expect(parseBenchLine('{"event":"card.read","ts":"t","data":{"x":1}}')).toEqual({ kind: 'event', message: { event: 'card.read', ts: 't', data: { x: 1 } } });
    expect(parseBenchLine('{"id":1,"ok":false}').kind).toBe('invalid');
    expect(parseBenchLine('{"op":"sale"}').kind).toBe('invalid');
    expect(parseBenchLine('[1,2]').kind).toBe('invalid');
    expect(parseBenchLine('{"id":1,').kind).toBe('invalid');
  });
});

describe('BenchClient', () => {
  let client: BenchClient | undefined;
  let terminal: Transport | undefined;
  afterEach(async () => {
    await client?.close();
    await terminal?.close();
  });

  /** A scripted terminal on the other end of a memory pair. */
  async function setup(answer: (line: string, send: (text: string) => void) => void) {
    const [a, b] = createMemoryPair();
    await a.open();
    await b.open();
    terminal = b;
    const framer: LineFramer = new LineFramer(b, { line: (line) => answer(line, (text) => void framer.send(text)) });
    client = new BenchClient(a);
    const anomalies: string[] = [];
    client.onAnomaly((t) => anomalies.push(t));
    return { client, anomalies };
  }

  it('pairs responses with requests by id, also out of order, with events in between', async () => {
    const pending: { id: number }[] = [];
    const { client } = await setup((line, send) => {
      pending.push(JSON.parse(line) as { id: number });
      if (pending.length === 2) {
        send('{"event":"status.changed","ts":"x","data":{"state":"busy"}}');
        for (const p of pending.reverse()) send(JSON.stringify({ id: p.id, ok: true, result: { echo: p.id } }));
      }
    });
    const events: string[] = [];
    client.onEvent((e) => events.push(e.event));
    const [r1, r2] = await Promise.all([client.request('status', undefined, { timeoutMs: 1000 }), client.request('identify', {}, { timeoutMs: 1000 })]);
    expect(r1).toEqual({ id: 1, ok: true, result: { echo: 1 } });
    expect(r2).toEqual({ id: 2, ok: true, result: { echo: 2 } });
    expect(events).toEqual(['status.changed']);
  });

  it('times out with E_REPLY_TIMEOUT and notes a late reply as a reply to nothing', async () => {
    let late: (() => void) | undefined;
    const { client, anomalies } = await setup((line, send) => {
      late = () => send(JSON.stringify({ id: (JSON.parse(line) as { id: number }).id, ok: true, result: null }));
    });
    await expect(client.request('status', undefined, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'E_REPLY_TIMEOUT' });
    late?.();
    await new Promise((r) => setTimeout(r, 10));
    expect(anomalies).toEqual(['reply to no pending request (id 1)']);
  });

  it('notes malformed lines and keeps waiting for the real answer', async () => {
    const { client, anomalies } = await setup((line, send) => {
      send('garbage{{');
      send(JSON.stringify({ id: (JSON.parse(line) as { id: number }).id, ok: false, error: { code: 'BUSY', message: 'busy' } }));
    });
    expect(await client.request('sale', {}, { timeoutMs: 1000 })).toEqual({ id: 1, ok: false, error: { code: 'BUSY', message: 'busy' } });
    expect(anomalies).toEqual(['malformed line: not valid JSON']);
  });

  it('fails requests in flight with E_LINK_CLOSED when the terminal goes away', async () => {
    const { client } = await setup(() => void terminal?.close());
    await expect(client.request('status', undefined, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'E_LINK_CLOSED' });
    await expect(client.request('status', undefined, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'E_LINK_CLOSED' });
  });

  it('stops waiting when the signal aborts', async () => {
    const { client } = await setup(() => undefined);
    const controller = new AbortController();
    const request = client.request('status', undefined, { timeoutMs: 5000, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(request).rejects.toThrow('stop');
  });
});
