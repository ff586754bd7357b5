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
    send(name: string, data: unknown) {
      for (const l of listeners) l({ name, data, receivedAt: performance.now() });
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
});
