import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TerminalEvent } from '../../devices/drivers/terminal.js';
import { EventInbox, UNTAKEN_HELD } from './inbox.js';

/** The two subscriptions an inbox makes, and a way to send it events. */
function fakeTerminal() {
  const listeners = new Set<(event: TerminalEvent) => void>();
  return {
    onEvent(listener: (event: TerminalEvent) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    onLinkLost() {
      return () => undefined;
    },
    send(name: string, data: unknown): TerminalEvent {
      const event = { name, data, receivedAt: performance.now() };
      for (const l of listeners) l(event);
      return event;
    },
    get listeners() {
      return listeners.size;
    },
  };
}

const never = new AbortController().signal;

describe('EventInbox', () => {
  it('gives an early event to the await that comes later, once', async () => {
    const terminal = fakeTerminal();
    const inbox = new EventInbox(terminal);
    terminal.send('card.read', { n: 1 });
    expect((await inbox.take('card.read', () => true, 10, never))?.data).toEqual({ n: 1 });
    expect(await inbox.take('card.read', () => true, 10, never)).toBeUndefined();
    inbox.close();
    expect(terminal.listeners).toBe(0);
  });

  it('holds no taken event and at most UNTAKEN_HELD untaken ones, the latest (a soak of sales)', async () => {
    const terminal = fakeTerminal();
    const inbox = new EventInbox(terminal);
    for (let sale = 0; sale < 5000; sale++) {
      const completed = inbox.take('transaction.completed', (e) => (e.data as { sale: number }).sale === sale, 1000, never);
      terminal.send('printer.output', { sale, copy: 'merchant' });
      terminal.send('transaction.completed', { sale });
      terminal.send('printer.output', { sale, copy: 'customer' });
      expect((await completed)?.data).toEqual({ sale });
    }
    const held = inbox.untaken();
    expect(held).toHaveLength(UNTAKEN_HELD);
    expect(held.every((e) => e.name === 'printer.output')).toBe(true);
    expect(held.at(-1)?.data).toEqual({ sale: 4999, copy: 'customer' });
    expect(inbox.dropped).toBe(10_000 - UNTAKEN_HELD);
    inbox.close();
  });

  it('takes and drops as one list in arrival order would, whatever the names (property)', async () => {
    // Three sends to a take: enough to go past UNTAKEN_HELD and drop.
    const op = fc.oneof(
      { arbitrary: fc.record({ send: fc.constantFrom('a', 'b', 'c'), n: fc.nat(3) }), weight: 3 },
      { arbitrary: fc.record({ take: fc.constantFrom('a', 'b', 'c'), n: fc.nat(3) }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 2 * UNTAKEN_HELD, maxLength: 3 * UNTAKEN_HELD }), async (ops) => {
        const terminal = fakeTerminal();
        const inbox = new EventInbox(terminal);
        const model: TerminalEvent[] = [];
        let dropped = 0;
        for (const [i, o] of ops.entries()) {
          if ('send' in o) {
            model.push(terminal.send(o.send, { n: o.n, i }));
            if (model.length > UNTAKEN_HELD) (model.shift(), dropped++);
          } else {
            const matches = (e: TerminalEvent) => (e.data as { n: number }).n === o.n;
            const at = model.findIndex((e) => e.name === o.take && matches(e));
            // Only what is there now: a take that waits would wait for its time-out.
            if (at === -1) continue;
            expect(await inbox.take(o.take, matches, 1000, never)).toBe(model.splice(at, 1)[0]);
          }
        }
        expect(inbox.untaken()).toEqual(model);
        expect(inbox.dropped).toBe(dropped);
        inbox.close();
      }),
      { numRuns: 30 },
    );
  });
});
