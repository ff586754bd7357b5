/**
 * A terminal followed across reboots. When its link drops — a power cycle, the reboot after a
 * firmware upgrade, a pulled USB cable, a TCP reset — it looks for the terminal again (the
 * locator re-resolves a USB port by identity, follows a simulator's new pty, or simply retries the
 * same host:port) until the profile's `timeouts.reconnect` runs out, re-identifies it, and reports
 * the outage. Everything above it holds one Terminal throughout: events, anomalies and verbs go to
 * whichever driver is current. `onLinkLost` is heard only when the terminal is given up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TerminalSignals } from '../../devices/drivers/terminal-signals.js';
import type { CallOptions, Terminal, VerbReply } from '../../devices/drivers/terminal.js';
import type { Unsubscribe } from '../../devices/transports/transport.js';
import { DeviceError, errorMessage } from '../core/errors.js';
import type { DeviceIdentity, LinkOutage } from '../core/record.js';

export type LinkState = 'up' | 'down' | 'gone';

/**
 * Where the terminal is now: `{}` for the profile's own address, `{ address }` for another, or
 * undefined while it is not there. Throwing a `DeviceError` with code `E_LINK_GONE` gives up at
 * once (the simulator process ended); any other error counts as "not there yet".
 */
export type LinkLocator = (signal: AbortSignal) => Promise<{ address?: string } | undefined>;

export interface ReconnectOptions {
  /** A driver on a fresh transport (not opened) to this address, or the profile's own. */
  connect(address: string | undefined): Terminal;
  /** Where the terminal first is. */
  address?: string;
  locate: LinkLocator;
  reconnectMs: number;
  identifyMs: number;
  /** Pause between attempts to reach it. */
  retryMs?: number;
  onOutage(outage: LinkOutage): void;
  /** The terminal answered again (after an outage), at this address, as this. */
  onBack?(identity: DeviceIdentity, address: string): void;
  /** A line for the transcript. */
  note(text: string): void;
}

export class ReconnectingTerminal extends TerminalSignals implements Terminal {
  readonly protocol: string;
  readonly verbs: ReadonlySet<string>;
  private inner: Terminal;
  private detach: Unsubscribe[] = [];
  private linkState: LinkState = 'up';
  private identity: DeviceIdentity | undefined;
  private gone: DeviceError | undefined;
  private returning: Promise<void> | undefined;
  private readonly downListeners = new Set<(cause: Error) => void>();
  private readonly stop = new AbortController();
  private drops = 0;
  private expectedFrom: number | undefined;
  private last: LinkOutage | undefined;
  /** What is running, for the outage record. */
  during = 'between cases';

  constructor(private readonly options: ReconnectOptions) {
    super();
    this.inner = options.connect(options.address);
    this.protocol = this.inner.protocol;
    this.verbs = this.inner.verbs;
    this.forward(this.inner);
    this.detach.push(this.inner.onLinkLost((error) => this.dropped(error)));
  }

  get address(): string {
    return this.inner.address;
  }

  /** How many times the link has dropped so far. */
  get dropCount(): number {
    return this.drops;
  }

  get state(): LinkState {
    return this.linkState;
  }

  /** Why the terminal was given up, once it was. */
  get goneReason(): DeviceError | undefined {
    return this.gone;
  }

  async open(signal?: AbortSignal): Promise<void> {
    await this.inner.open(signal);
  }

  async identify(options: CallOptions): Promise<DeviceIdentity> {
    this.identity = await this.inner.identify(options);
    return this.identity;
  }

  /** The identity the terminal last gave. */
  get lastIdentity(): DeviceIdentity | undefined {
    return this.identity;
  }

  call(verb: string, args: Record<string, unknown>, options: CallOptions): Promise<VerbReply> {
    if (this.gone) return Promise.reject(this.gone);
    if (this.linkState === 'down') return Promise.reject(new DeviceError('E_LINK_LOST', `the link to ${this.address} is down: the terminal is restarting or unplugged`, { device: this.address }));
    return this.inner.call(verb, args, options);
  }

  /** Heard at every drop, before poshil looks for the terminal again. */
  onDown(listener: (cause: Error) => void): Unsubscribe {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /** Resolves when the link is up (at once if it is); rejects with the reason if the terminal is gone. */
  async whenUp(signal: AbortSignal): Promise<void> {
    if (this.linkState === 'down' && this.returning && !signal.aborted) {
      let onAbort = () => undefined as void;
      const aborted = new Promise<void>((resolve) => (onAbort = resolve));
      signal.addEventListener('abort', onAbort, { once: true });
      await Promise.race([this.returning, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
    }
    if (this.gone) throw this.gone;
  }

  /** A drop from now until the terminal is back is expected (a step restarts the terminal). */
  expectDrop(): void {
    this.expectedFrom = this.drops;
  }

  /**
   * After a step that restarted the terminal: waits up to `dropMs` for the link to drop (unless it
   * did already), then for the terminal to come back. Undefined when the link never dropped (a
   * terminal that restarts behind a link that stays, such as an RS-232 cable).
   */
  async settleAfterRestart(dropMs: number, signal: AbortSignal): Promise<LinkOutage | undefined> {
    const from = this.expectedFrom ?? this.drops;
    try {
      if (this.drops === from && this.linkState === 'up' && dropMs > 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            off();
            signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, dropMs);
          const off = this.onDown(done);
          signal.addEventListener('abort', done, { once: true });
        });
      }
      if (this.drops === from) return undefined;
      await this.whenUp(signal);
      return this.last;
    } finally {
      this.expectedFrom = undefined;
    }
  }

  async close(): Promise<void> {
    this.stop.abort();
    // A search still going ends now, and its outage is told before the run writes its end.
    await this.returning;
    for (const off of this.detach.splice(0)) off();
    await this.inner.close();
  }

  private forward(terminal: Terminal): void {
    this.detach.push(
      terminal.onEvent((event) => this.signalEvent(event)),
      terminal.onAnomaly((text) => this.signalAnomaly(text)),
    );
  }

  private dropped(cause: Error): void {
    if (this.linkState !== 'up' || this.stop.signal.aborted) return;
    this.linkState = 'down';
    this.drops++;
    const expected = this.expectedFrom !== undefined;
    const downAt = new Date();
    const before = { address: this.inner.address, identity: this.identity, during: this.during };
    this.options.note(
      `link lost (${cause.message})${expected ? ', as the step expected' : ''}; waiting up to ${this.options.reconnectMs} ms for the terminal to come back`,
    );
    for (const listener of [...this.downListeners]) listener(cause);
    this.returning = this.reconnect(downAt, before, expected, cause);
  }

  private async reconnect(downAt: Date, before: { address: string; identity: DeviceIdentity | undefined; during: string }, expected: boolean, cause: Error): Promise<void> {
    const { reconnectMs, retryMs = 200 } = this.options;
    const signal = this.stop.signal;
    const deadline = downAt.getTime() + reconnectMs;
    let attempts = 0;
    let lastTry = 'no attempt was made';
    let refusal: string | undefined;
    while (Date.now() < deadline && !signal.aborted) {
      attempts++;
      let candidate: Terminal | undefined;
      let forwarding: Unsubscribe[] = [];
      try {
        const where = await this.options.locate(signal);
        if (!where) {
          lastTry = 'the terminal was not there';
        } else {
          candidate = this.options.connect(where.address);
          // Heard from the start: a restarted terminal may greet (terminal.ready) before it answers.
          forwarding = [candidate.onEvent((event) => this.signalEvent(event)), candidate.onAnomaly((text) => this.signalAnomaly(text))];
          await candidate.open(signal);
          const identity = await this.identifyPatiently(candidate, deadline, signal);
          if (before.identity && identity.serialNumber !== before.identity.serialNumber) {
            refusal = `a different terminal answered at ${candidate.address}: serial number ${identity.serialNumber}, not ${before.identity.serialNumber}`;
            for (const off of forwarding) off();
            await candidate.close();
            break;
          }
          this.swap(candidate, forwarding);
          this.identity = identity;
          const backAt = new Date();
          const outage: LinkOutage = {
            downAt: downAt.toISOString(),
            backAt: backAt.toISOString(),
            downMs: backAt.getTime() - downAt.getTime(),
            expected,
            during: before.during,
            cause: cause.message,
            addressBefore: before.address,
            addressAfter: candidate.address,
            ...(before.identity ? { identityBefore: before.identity } : {}),
            identityAfter: identity,
            attempts,
          };
          this.last = outage;
          this.linkState = 'up';
          this.options.note(`link back at ${candidate.address} after ${outage.downMs} ms (${attempts} ${attempts === 1 ? 'try' : 'tries'}): ${identity.model} ${identity.serialNumber} firmware ${identity.firmware}`);
          this.options.onBack?.(identity, candidate.address);
          this.options.onOutage(outage);
          return;
        }
      } catch (error) {
        for (const off of forwarding) off();
        await candidate?.close().catch(() => undefined);
        lastTry = errorMessage(error);
        if (error instanceof DeviceError && error.code === 'E_LINK_GONE') {
          refusal = lastTry;
          break;
        }
      }
      await sleep(Math.max(0, Math.min(retryMs, deadline - Date.now())), undefined, { signal }).catch(() => undefined);
    }
    const why = signal.aborted
      ? 'poshil stopped waiting for it'
      : (refusal ?? `it did not come back within ${reconnectMs} ms (last try: ${lastTry})`);
    this.gone = new DeviceError('E_LINK_LOST', `the terminal's link dropped (${cause.message}) and ${why}`, {
      device: before.address,
      hint: 'check its power, cable and network; raise the profile\'s timeouts.reconnect for a terminal that takes longer to restart',
    });
    this.linkState = 'gone';
    const givenUp = new Date();
    const outage: LinkOutage = {
      downAt: downAt.toISOString(),
      downMs: givenUp.getTime() - downAt.getTime(),
      expected,
      during: before.during,
      cause: cause.message,
      addressBefore: before.address,
      ...(before.identity ? { identityBefore: before.identity } : {}),
      attempts,
      gaveUp: this.gone.message,
    };
    this.last = outage;
    this.options.note(`gave up on the terminal: ${this.gone.message}`);
    this.options.onOutage(outage);
    this.signalLinkLost(this.gone);
  }

  /** A terminal that is still starting may refuse identify for a while: ask again until the deadline. */
  private async identifyPatiently(candidate: Terminal, deadline: number, signal: AbortSignal): Promise<DeviceIdentity> {
    const retryMs = this.options.retryMs ?? 200;
    for (;;) {
      const left = deadline - Date.now();
      try {
        return await candidate.identify({ timeoutMs: Math.max(1, Math.min(this.options.identifyMs, left)), signal });
      } catch (error) {
        if (!(error instanceof DeviceError) || error.code !== 'E_IDENTIFY' || deadline - Date.now() <= retryMs) throw error;
        await sleep(retryMs, undefined, { signal });
      }
    }
  }

  private swap(next: Terminal, forwarding: Unsubscribe[]): void {
    const old = this.inner;
    for (const off of this.detach.splice(0)) off();
    void old.close().catch(() => undefined);
    this.inner = next;
    this.detach.push(...forwarding, next.onLinkLost((error) => this.dropped(error)));
  }
}
