/**
 * One ZVT exchange as the ECR sees it: the command poshil sent and everything the terminal says
 * until it ends the exchange with Completion 06 0F or Abort 06 1E. Every event the driver makes
 * belongs to exactly one exchange, and so to the transaction that caused it.
 */
import { formatMinor } from '../formats/money.js';

export type ExchangeEnd =
  | { kind: 'completion'; data: Uint8Array }
  | { kind: 'abort'; resultCode: number }
  | { kind: 'refused'; resultCode: number }
  | { kind: 'acknowledged' }
  | { kind: 'lost'; error: Error };

export class Exchange {
  /** The last status information (04 0F) of this exchange, as BMPs by tag. */
  status: Map<number, Uint8Array> | undefined;
  /** A transaction.completed event was made from this exchange's status information. */
  reportedResult = false;
  /**
   * Set when the runner asked for the next command while this exchange was still open: what the
   * terminal says from then on belongs to no step that could still use it, so it is kept in the
   * transcript but not given out as an event.
   */
  superseded = false;
  /** Print lines of the receipt being printed. */
  receipt: string[] = [];
  end: ExchangeEnd | undefined;
  readonly done: Promise<ExchangeEnd>;
  private resolve!: (end: ExchangeEnd) => void;

  constructor(
    readonly verb: string,
    /** Name and control field of the command, for messages: "Authorisation (06 01)". */
    readonly command: string,
    readonly txnId?: string,
    readonly money?: { amount: number; currency: string },
  ) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  get open(): boolean {
    return this.end === undefined;
  }

  /** In words, for notes: "Authorisation (06 01) of ZVT-000001 (12.50 EUR)". */
  get label(): string {
    const money = this.money ? ` (${formatMinor(this.money.amount, this.money.currency)} ${this.money.currency})` : '';
    return `${this.command}${this.txnId ? ` of ${this.txnId}` : ''}${money}`;
  }

  finish(end: ExchangeEnd): void {
    if (this.end) return;
    this.end = end;
    this.resolve(end);
  }
}

/** Resolves with the exchange's end, or `undefined` when `timeoutMs` passes first. */
export function endWithin(exchange: Exchange, timeoutMs: number, signal?: AbortSignal): Promise<ExchangeEnd | undefined> {
  if (exchange.end) return Promise.resolve(exchange.end);
  return new Promise((resolve) => {
    const finish = (end: ExchangeEnd | undefined) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(end);
    };
    const onAbort = () => finish(undefined);
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    void exchange.done.then(finish);
  });
}
