/**
 * The terminal's master messages in one ZVT exchange, sent strictly one at a time: the next one
 * goes out only after the ECR answered the previous one (80 00 00, or 84 xx). A terminal that
 * sends ahead makes a real ECR drop the link — over the serial framing the next `DLE STX`
 * arrives where the ECR waits for the line-level ACK.
 */

/** How long the terminal waits for the ECR's answer to a master message before it gives the exchange up (T3, docs/zvt.md). */
export const ECR_ANSWER_TIMEOUT_MS = 5000;

interface Pending {
  apdu: Uint8Array;
  /** Runs once the ECR answered this message. */
  answered?: () => void;
}

export class MasterQueue {
  private readonly pending: Pending[] = [];
  private inFlight: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (apdu: Uint8Array) => Promise<void>,
    private readonly onGiveUp: (reason: string) => void = () => undefined,
    private readonly answerTimeoutMs = ECR_ANSWER_TIMEOUT_MS,
  ) {}

  /** True while a master message waits for the ECR's answer. */
  get waiting(): boolean {
    return this.inFlight !== undefined;
  }

  push(apdu: Uint8Array, answered?: () => void): void {
    this.pending.push({ apdu, ...(answered ? { answered } : {}) });
    this.next();
  }

  /** The ECR answered; an answer while nothing waits is out of turn and changes nothing. */
  acknowledged(): boolean {
    const done = this.inFlight;
    if (!done) return false;
    clearTimeout(this.timer);
    this.inFlight = undefined;
    done.answered?.();
    this.next();
    return true;
  }

  /** Forgets every message not yet answered (link lost or given up). */
  drop(): void {
    clearTimeout(this.timer);
    this.pending.length = 0;
    this.inFlight = undefined;
  }

  private next(): void {
    if (this.inFlight) return;
    const message = this.pending.shift();
    if (!message) return;
    this.inFlight = message;
    this.timer = setTimeout(() => {
      const waited = this.inFlight;
      this.drop();
      if (waited) this.onGiveUp(`the ECR did not answer a master message within ${this.answerTimeoutMs} ms`);
    }, this.answerTimeoutMs);
    this.timer.unref?.();
    this.send(message.apdu).catch((error: Error) => {
      this.drop();
      this.onGiveUp(error.message);
    });
  }
}
