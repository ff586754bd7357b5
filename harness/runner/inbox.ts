/**
 * The events a terminal sent during one case attempt, in arrival order. An `await` takes the
 * first event of its name (matching its `where`) that no earlier `await` took, so an event that
 * arrives before the step that awaits it is not lost.
 */
import type { Terminal, TerminalEvent } from '../../devices/drivers/terminal.js';
import type { Unsubscribe } from '../../devices/transports/transport.js';

export type EventFilter = (event: TerminalEvent) => boolean;

interface Waiter {
  name: string;
  filter: EventFilter;
  resolve(event: TerminalEvent): void;
  fail(error: Error): void;
}

export class EventInbox {
  private readonly events: TerminalEvent[] = [];
  private readonly taken = new Set<TerminalEvent>();
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: Unsubscribe[];
  private lost: Error | undefined;

  constructor(terminal: Terminal) {
    this.unsubscribe = [
      terminal.onEvent((event) => this.receive(event)),
      // Waiting for an event from a terminal that is gone would only end in a misleading TIMEOUT.
      terminal.onLinkLost((error) => {
        this.lost = error;
        for (const waiter of [...this.waiters]) waiter.fail(error);
      }),
    ];
  }

  /** Events of this attempt that no await took (evidence when an await times out). */
  untaken(): TerminalEvent[] {
    return this.events.filter((e) => !this.taken.has(e));
  }

  /**
   * The first untaken event of this name that passes the filter, now or when it arrives;
   * `undefined` after the time-out or an abort. Rejects with `E_LINK_CLOSED` when the link is lost.
   */
  take(name: string, filter: EventFilter, timeoutMs: number, signal: AbortSignal): Promise<TerminalEvent | undefined> {
    const found = this.events.find((e) => e.name === name && !this.taken.has(e) && filter(e));
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    if (this.lost) return Promise.reject(this.lost);
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      const done = (event: TerminalEvent | undefined) => {
        finish();
        resolve(event);
      };
      const onAbort = () => done(undefined);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const waiter: Waiter = {
        name,
        filter,
        resolve: done,
        fail: (error) => {
          finish();
          reject(error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  private receive(event: TerminalEvent): void {
    this.events.push(event);
    for (const waiter of this.waiters) {
      if (waiter.name === event.name && waiter.filter(event)) {
        this.taken.add(event);
        waiter.resolve(event);
        return;
      }
    }
  }
}
