/**
 * The events a terminal sent during one case attempt, in arrival order. An `await` takes the
 * first event of its name (matching its `where`) that no earlier `await` took, so an event that
 * arrives before the step that awaits it is not lost.
 *
 * Only events no await has taken are held, and at most UNTAKEN_HELD of them: a `load` step of
 * an hour takes one `transaction.completed` per sale and never awaits the receipts, card reads
 * and displays that come with it, which held forever were most of a soak's memory growth.
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

/** Far more than a case awaits; the oldest untaken events beyond it are dropped (and counted). */
export const UNTAKEN_HELD = 512;

export class EventInbox {
  /** Events no await has taken yet, oldest first. */
  private readonly events: TerminalEvent[] = [];
  /** Untaken events dropped because more than UNTAKEN_HELD arrived. */
  dropped = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: Unsubscribe[];
  private lost: Error | undefined;

  constructor(terminal: Pick<Terminal, 'onEvent' | 'onLinkLost'>) {
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
    return [...this.events];
  }

  /**
   * The first untaken event of this name that passes the filter, now or when it arrives;
   * `undefined` after the time-out or an abort. Rejects with `E_LINK_CLOSED` when the link is lost.
   */
  take(name: string, filter: EventFilter, timeoutMs: number, signal: AbortSignal): Promise<TerminalEvent | undefined> {
    const at = this.events.findIndex((e) => e.name === name && filter(e));
    if (at !== -1) {
      const [found] = this.events.splice(at, 1);
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
    for (const waiter of this.waiters) {
      if (waiter.name === event.name && waiter.filter(event)) {
        waiter.resolve(event);
        return;
      }
    }
    this.events.push(event);
    if (this.events.length > UNTAKEN_HELD) {
      this.events.shift();
      this.dropped++;
    }
  }
}
