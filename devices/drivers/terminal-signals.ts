/**
 * What every driver tells the runner besides its replies — events, anomalies, a lost link — kept
 * in one place so that each protocol's driver only says when they happen. A listener that
 * subscribes after the link was lost hears of it at once.
 */
import type { Unsubscribe } from '../transports/transport.js';
import type { TerminalEvent } from './terminal.js';

export abstract class TerminalSignals {
  private readonly eventListeners = new Set<(event: TerminalEvent) => void>();
  private readonly anomalyListeners = new Set<(text: string) => void>();
  private readonly lostListeners = new Set<(error: Error) => void>();
  /** Why the link is gone, once it is. */
  protected lost: Error | undefined;

  onEvent(listener: (event: TerminalEvent) => void): Unsubscribe {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onAnomaly(listener: (text: string) => void): Unsubscribe {
    this.anomalyListeners.add(listener);
    return () => this.anomalyListeners.delete(listener);
  }

  onLinkLost(listener: (error: Error) => void): Unsubscribe {
    const lost = this.lost;
    if (lost) queueMicrotask(() => listener(lost));
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  protected signalEvent(event: TerminalEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  protected signalAnomaly(text: string): void {
    for (const listener of this.anomalyListeners) listener(text);
  }

  /** Tells the listeners the link is gone (why: the first error recorded in `lost`). */
  protected signalLinkLost(error: Error): void {
    this.lost ??= error;
    for (const listener of this.lostListeners) listener(this.lost);
  }
}
