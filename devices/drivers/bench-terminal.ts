/**
 * The Terminal verbs over bench protocol v1: each verb is the request of the same name, and
 * every unsolicited event is passed up as a TerminalEvent.
 */
import { DeviceError } from '../../harness/core/errors.js';
import type { DeviceIdentity } from '../../harness/core/record.js';
import type { WireTap } from '../framing/wire-tap.js';
import { BenchClient } from '../protocols/bench/client.js';
import type { JsonObject } from '../protocols/bench/messages.js';
import { linkClosed } from '../transports/errors.js';
import type { Transport } from '../transports/transport.js';
import { VERBS } from './catalogue.js';
import type { CallOptions, Terminal, TerminalEvent, VerbReply } from './terminal.js';
import { TerminalSignals } from './terminal-signals.js';

export class BenchTerminal extends TerminalSignals implements Terminal {
  readonly protocol = 'bench';
  readonly verbs: ReadonlySet<string> = new Set(VERBS);
  private client: BenchClient | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly tap?: WireTap,
  ) {
    super();
  }

  get address(): string {
    return this.transport.address;
  }

  async open(signal?: AbortSignal): Promise<void> {
    await this.transport.open(signal);
    const client = new BenchClient(this.transport, this.tap);
    client.onEvent((event) => {
      const received: TerminalEvent = { name: event.event, ts: event.ts, data: event.data ?? null, receivedAt: performance.now() };
      this.signalEvent(received);
    });
    client.onAnomaly((text) => {
      this.tap?.note?.(text);
      this.signalAnomaly(text);
    });
    client.onClose((error) => {
      if (!error) return;
      this.tap?.note?.(`link lost: ${error.message}`);
      this.signalLinkLost(linkClosed(this.address));
    });
    this.client = client;
  }

  async identify(options: CallOptions): Promise<DeviceIdentity> {
    const reply = await this.call('identify', {}, options);
    if (!reply.ok) {
      throw new DeviceError('E_IDENTIFY', `the terminal refused identify: ${reply.error.code} ${reply.error.message}`, { device: this.address });
    }
    return toIdentity(reply.result, this.address);
  }

  async call(verb: string, args: Record<string, unknown>, options: CallOptions): Promise<VerbReply> {
    const client = this.client;
    if (!client) throw new DeviceError('E_NOT_OPEN', `call "${verb}" before the link was opened`, { device: this.address, state: 'closed' });
    const response = await client.request(verb, args as JsonObject, options);
    return response.ok ? { ok: true, result: response.result } : { ok: false, error: response.error };
  }

  async close(): Promise<void> {
    if (this.client) await this.client.close();
    else await this.transport.close();
  }
}

function toIdentity(result: unknown, address: string): DeviceIdentity {
  const value = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const text = (key: string) => (typeof value[key] === 'string' ? (value[key] as string) : undefined);
  const model = text('model');
  const serialNumber = text('serialNumber');
  const firmware = text('firmware');
  if (!model || !serialNumber || !firmware) {
    throw new DeviceError('E_IDENTIFY', 'identify must answer with model, serialNumber and firmware', {
      device: address,
      hint: 'the terminal agent does not speak bench protocol v1 (docs/bench-protocol.md)',
    });
  }
  const capabilities = Array.isArray(value['capabilities']) ? value['capabilities'].filter((c): c is string => typeof c === 'string') : [];
  return { ...value, model, serialNumber, firmware, capabilities };
}
