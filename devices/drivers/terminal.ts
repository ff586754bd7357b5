/**
 * What the runner sees of a terminal: verbs in, replies and events out. A driver implements it
 * for one protocol (bench NDJSON, ZVT, …); the runner knows nothing of frames or bytes.
 */
import type { DeviceIdentity } from '../../harness/core/record.js';
import type { Unsubscribe } from '../transports/transport.js';

export interface TerminalEvent {
  name: string;
  /** The terminal's own timestamp, when it sends one. */
  ts?: string;
  data: unknown;
  /** `performance.now()` when the harness received it; for timing measurements. */
  receivedAt: number;
}

/** A terminal's answer to a verb. A refusal is an answer, not an exception. */
export type VerbReply =
  | { ok: true; result: unknown }
  | {
      ok: false;
      /** `unsent`: the driver refused before anything went to the terminal (the args, or an exchange still open): poshil's refusal, not the terminal's. */
      error: { code: string; message: string; details?: unknown; unsent?: true };
    };

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Terminal {
  readonly protocol: string;
  readonly address: string;
  /** Verbs this driver can send; others fail at suite load time. */
  readonly verbs: ReadonlySet<string>;
  open(signal?: AbortSignal): Promise<void>;
  identify(options: CallOptions): Promise<DeviceIdentity>;
  /**
   * Sends a verb. Rejects only when no answer could be had: `E_REPLY_TIMEOUT`, `E_LINK_CLOSED`,
   * a protocol error, or the signal's reason.
   */
  call(verb: string, args: Record<string, unknown>, options: CallOptions): Promise<VerbReply>;
  onEvent(listener: (event: TerminalEvent) => void): Unsubscribe;
  /** Protocol anomalies (garbage, replies to nothing): evidence, never fatal by themselves. */
  onAnomaly(listener: (text: string) => void): Unsubscribe;
  /** Runs once if the link to the terminal is lost (not after a local close); at once if it already was. */
  onLinkLost(listener: (error: Error) => void): Unsubscribe;
  close(): Promise<void>;
}

/** How a stimulus reached the terminal. */
export type StimulusReply = VerbReply;

/**
 * Applies stimuli (a swipe, a scan, a power cut) to a terminal: through the simulator's control
 * channel, an operator prompt, or an external command, as the device profile says.
 */
export interface StimulusDriver {
  readonly kind: 'simulator' | 'operator' | 'exec';
  apply(stimulus: string, args: Record<string, unknown>, options: CallOptions): Promise<StimulusReply>;
  close(): Promise<void>;
}
