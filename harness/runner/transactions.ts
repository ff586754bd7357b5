/**
 * Which case attempt each transaction belongs to: the attempt in which its id (`txnId`) first
 * appeared, in a reply or an event. A terminal prints and reports after a sale completes, and a
 * case that has what it awaited ends at once: the receipts of its sale can arrive while the next
 * case runs, and that case's `await printer.output` must not take them for its own sale's.
 */

/** Far more transactions than any late event trails behind; older ids are forgotten (a soak makes millions). */
const REMEMBERED = 10_000;

export class TransactionLedger {
  private readonly firstSeen = new Map<string, number>();
  private attempt = 0;

  /** A new case attempt begins: transactions seen from now on are its own. */
  beginAttempt(): void {
    this.attempt++;
  }

  /** Notes a transaction the current attempt sees; true when an earlier attempt saw it first (its events are late). */
  isEarlier(txnId: string): boolean {
    const seen = this.firstSeen.get(txnId);
    if (seen !== undefined) return seen < this.attempt;
    this.firstSeen.set(txnId, this.attempt);
    if (this.firstSeen.size > REMEMBERED) this.firstSeen.delete(this.firstSeen.keys().next().value!);
    return false;
  }
}

/** The transaction an event or a reply names, if it names one. */
export function txnIdOf(data: unknown): string | undefined {
  const txnId = (data as { txnId?: unknown } | null | undefined)?.txnId;
  return typeof txnId === 'string' && txnId !== '' ? txnId : undefined;
}
