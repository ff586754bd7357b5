/**
 * A fake Terminal for runner tests: each verb is answered by a script, and the test can send
 * events or drop the link. Same interface as the real drivers; one instance per test.
 */
import { DeviceError } from '../../../harness/core/errors.js';
import type { DeviceIdentity } from '../../../harness/core/record.js';
import { VERBS } from '../catalogue.js';
import type { CallOptions, StimulusDriver, StimulusReply, Terminal, TerminalEvent, VerbReply } from '../terminal.js';

export type VerbScript = (verb: string, args: Record<string, unknown>, terminal: ScriptedTerminal) => VerbReply | 'silence' | 'disconnect' | Promise<VerbReply>;

export class ScriptedTerminal implements Terminal {
  readonly protocol = 'scripted';
  readonly address = 'scripted:';
  readonly verbs: ReadonlySet<string> = new Set(VERBS);
  readonly calls: { verb: string; args: Record<string, unknown> }[] = [];
  private readonly listeners = new Set<(event: TerminalEvent) => void>();
  private readonly lostListeners = new Set<(error: Error) => void>();
  private closed = false;

  constructor(private readonly script: VerbScript) {}

  async open(): Promise<void> {}

  async identify(options: CallOptions): Promise<DeviceIdentity> {
    const reply = await this.call('identify', {}, options);
    return reply.ok ? (reply.result as DeviceIdentity) : { model: 'fake', serialNumber: '1', firmware: '0', capabilities: [] };
  }

  async call(verb: string, args: Record<string, unknown>, options: CallOptions): Promise<VerbReply> {
    if (this.closed) throw new DeviceError('E_LINK_CLOSED', 'the link to scripted: is closed');
    this.calls.push({ verb, args });
    const answer = await this.script(verb, args, this);
    if (answer === 'disconnect') {
      this.closed = true;
      const error = new DeviceError('E_LINK_CLOSED', 'the link to scripted: is closed');
      for (const listener of this.lostListeners) listener(error);
      throw error;
    }
    if (answer === 'silence') {
      await new Promise((resolve) => setTimeout(resolve, options.timeoutMs));
      throw new DeviceError('E_REPLY_TIMEOUT', `no reply to "${verb}" within ${options.timeoutMs} ms`);
    }
    return answer;
  }

  /** The link goes, as a power cut or a pulled cable would: listeners hear of it, later calls fail. */
  drop(delayMs = 0): void {
    const go = () => {
      if (this.closed) return;
      this.closed = true;
      const error = new DeviceError('E_LINK_CLOSED', 'the link to scripted: is closed');
      for (const listener of this.lostListeners) listener(error);
    };
    if (delayMs === 0) go();
    else setTimeout(go, delayMs);
  }

  emit(name: string, data: unknown, delayMs = 0): void {
    const send = () => {
      const event = { name, data, receivedAt: performance.now() };
      for (const listener of this.listeners) listener(event);
    };
    if (delayMs === 0) send();
    else setTimeout(send, delayMs);
  }

  onEvent(listener: (event: TerminalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onAnomaly(): () => void {
    return () => undefined;
  }

  onLinkLost(listener: (error: Error) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A stimulus driver that accepts everything and lets the test react (e.g. emit events). */
export class ScriptedStimuli implements StimulusDriver {
  readonly kind = 'simulator';
  readonly applied: { stimulus: string; args: Record<string, unknown> }[] = [];

  constructor(private readonly react: (stimulus: string, args: Record<string, unknown>) => StimulusReply = () => ({ ok: true, result: null })) {}

  async apply(stimulus: string, args: Record<string, unknown>): Promise<StimulusReply> {
    this.applied.push({ stimulus, args });
    return this.react(stimulus, args);
  }

  async close(): Promise<void> {}
}
