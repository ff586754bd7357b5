/**
 * Whether the simulated terminal is there for its ECR link. A real terminal that reboots, is
 * power-cycled or has its USB cable pulled vanishes from the host — its USB-serial port goes
 * away, its TCP connections drop and new ones are refused — and comes back when it has booted.
 * The terminal core says when; the link (server.ts) makes it so.
 */

export interface PresenceChange {
  present: boolean;
  /** `reboot`, `power`, `upgrade`, `unplug`. */
  cause: string;
}

/**
 * How long the terminal stays on its link after a verb that restarts it: long enough for its
 * reply to be read, as a real terminal answers `reboot` before it goes down. A pty that goes
 * takes with it what the harness has not read yet, and a harness driving 64 terminals can be
 * that busy for a while: 50 ms lost an upgrade's answer now and then.
 */
export const LEAVE_AFTER_MS = 200;

export class LinkPresence {
  private here = true;
  private readonly listeners = new Set<(change: PresenceChange) => void>();
  private leaving: NodeJS.Timeout | undefined;
  private returning: NodeJS.Timeout | undefined;

  get present(): boolean {
    return this.here;
  }

  onChange(listener: (change: PresenceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Goes away shortly (`LEAVE_AFTER_MS`, or `afterMs`): a restart or a pulled cable. */
  leave(cause: string, afterMs = LEAVE_AFTER_MS): void {
    clearTimeout(this.returning);
    clearTimeout(this.leaving);
    const go = () => {
      this.leaving = undefined;
      if (!this.here) return;
      this.here = false;
      this.emit({ present: false, cause });
    };
    if (afterMs <= 0) go();
    else this.leaving = setTimeout(go, afterMs);
  }

  /** Comes back now; a leave still pending is called off (the terminal was quicker than its link). */
  arrive(cause: string): void {
    clearTimeout(this.leaving);
    this.leaving = undefined;
    if (this.here) return;
    this.here = true;
    this.emit({ present: true, cause });
  }

  /** Comes back after `ms`, unless something else happens first. */
  arriveAfter(cause: string, ms: number): void {
    clearTimeout(this.returning);
    this.returning = setTimeout(() => this.arrive(cause), ms);
  }

  stop(): void {
    clearTimeout(this.leaving);
    clearTimeout(this.returning);
    this.listeners.clear();
  }

  private emit(change: PresenceChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
