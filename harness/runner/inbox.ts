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
import { txnIdOf, type TransactionLedger } from './transactions.js';

export type EventFilter = (event: TerminalEvent) => boolean;

interface Waiter {
  name: string;
  filter: EventFilter;
  /** An event that ends the wait at once, unanswered (it stays held, for the step's evidence). */
  until: EventFilter | undefined;
  resolve(event: TerminalEvent | undefined): void;
  fail(error: Error): void;
}

/** Far more than a case awaits; the oldest untaken events beyond it are dropped (and counted). */
export const UNTAKEN_HELD = 512;

/** An event held for a later await; `gone` once an await took it or it was dropped. */
interface Held {
  event: TerminalEvent;
  gone: boolean;
}

export class EventInbox {
  /**
   * Untaken events by name, oldest first: an await looks only at events of its name (a load
   * step's sales each scanned the hundreds of receipts and displays held before).
   */
  private readonly byName = new Map<string, Held[]>();
  /** Every held event in arrival order, to drop the oldest; taken ones are cleared out now and then. */
  private order: Held[] = [];
  private held = 0;
  /** Untaken events dropped because more than UNTAKEN_HELD arrived. */
  dropped = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: Unsubscribe[];
  private lost: Error | undefined;

  /**
   * With a ledger, an event of a transaction an earlier attempt saw first is not held or handed
   * to an await (it is late: the earlier case's), only noted.
   */
  constructor(
    terminal: Pick<Terminal, 'onEvent' | 'onLinkLost'>,
    private readonly transactions?: { ledger: TransactionLedger; note(text: string): void },
  ) {
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
    return this.order.filter((h) => !h.gone).map((h) => h.event);
  }

  /**
   * The first untaken event of this name that passes the filter, now or when it arrives;
   * `undefined` after the time-out, an abort, or an event arriving that passes `until`.
   * Rejects with `E_LINK_CLOSED` when the link is lost.
   */
  take(name: string, filter: EventFilter, timeoutMs: number, signal: AbortSignal, until?: EventFilter): Promise<TerminalEvent | undefined> {
    const named = this.byName.get(name);
    const at = named ? named.findIndex((h) => filter(h.event)) : -1;
    if (at !== -1) {
      const [found] = named!.splice(at, 1);
      found!.gone = true;
      this.held--;
      return Promise.resolve(found!.event);
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
        until,
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

  /** The transactions this attempt's replies named, in order (a sale, then a second one…). */
  readonly started: string[] = [];

  /** Events of an earlier attempt's transaction that came during this one (`printer.output of T1`), the last ten. */
  readonly setAside: { what: string; at: number }[] = [];

  /** A reply names a transaction: noted, so that one this attempt starts is its own even before an event names it. */
  own(result: unknown): void {
    const txnId = txnIdOf(result);
    if (!txnId) return;
    if (!this.started.includes(txnId)) this.started.push(txnId);
    this.transactions?.ledger.isEarlier(txnId);
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  private receive(event: TerminalEvent): void {
    const txnId = this.transactions ? txnIdOf(event.data) : undefined;
    if (txnId && this.transactions!.ledger.isEarlier(txnId)) {
      this.transactions!.note(`${event.name} of ${txnId}, a transaction an earlier case attempt started: not this attempt's`);
      if (this.setAside.push({ what: `${event.name} of ${txnId}`, at: event.receivedAt }) > 10) this.setAside.shift();
      return;
    }
    for (const waiter of this.waiters) {
      if (waiter.name === event.name && waiter.filter(event)) {
        waiter.resolve(event);
        return;
      }
    }
    for (const waiter of this.waiters) if (waiter.until?.(event)) waiter.resolve(undefined);
    const held: Held = { event, gone: false };
    const named = this.byName.get(event.name);
    if (named) named.push(held);
    else this.byName.set(event.name, [held]);
    this.order.push(held);
    if (++this.held > UNTAKEN_HELD) {
      while (this.order[0]!.gone) this.order.shift();
      // The oldest held event is also the oldest of its name.
      const oldest = this.order.shift()!;
      this.byName.get(oldest.event.name)!.shift();
      oldest.gone = true;
      this.held--;
      this.dropped++;
    }
    if (this.order.length > 2 * UNTAKEN_HELD) this.order = this.order.filter((h) => !h.gone);
  }
}
