/**
 * Which case attempt each transaction belongs to: the attempt in which its id (`txnId`) first
 * appeared, in a reply or an event. A terminal prints and reports after a sale completes, and a
 * case that has what it awaited ends at once: the receipts of its sale can arrive while the next
 * case runs, and that case's `await printer.output` must not take them for its own sale's.
 *
 * An id named before the link last dropped counts as new: a terminal that restarted (and a
 * driver that connected again) may number its transactions from the start again, and nothing
 * from before a restart arrives after it.
 */

/** Far more transactions than any late event trails behind; older ids are forgotten (a soak makes millions). */
const REMEMBERED = 10_000;

export class TransactionLedger {
  private readonly firstSeen = new Map<string, { attempt: number; drops: number }>();
  private attempt = 0;

  /** `drops`: how many times the terminal's link has dropped so far. */
  constructor(private readonly drops: () => number = () => 0) {}

  /** A new case attempt begins: transactions seen from now on are its own. */
  beginAttempt(): void {
    this.attempt++;
  }

  /** Notes a transaction the current attempt sees; true when an earlier attempt saw it first (its events are late). */
  isEarlier(txnId: string): boolean {
    const drops = this.drops();
    const seen = this.firstSeen.get(txnId);
    if (seen?.drops === drops) return seen.attempt < this.attempt;
    this.firstSeen.delete(txnId);
    this.firstSeen.set(txnId, { attempt: this.attempt, drops });
    if (this.firstSeen.size > REMEMBERED) this.firstSeen.delete(this.firstSeen.keys().next().value!);
    return false;
  }
}

/** The transaction an event or a reply names, if it names one. */
export function txnIdOf(data: unknown): string | undefined {
  const txnId = (data as { txnId?: unknown } | null | undefined)?.txnId;
  return typeof txnId === 'string' && txnId !== '' ? txnId : undefined;
}
