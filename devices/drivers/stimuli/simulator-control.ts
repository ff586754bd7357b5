/** Stimuli through the simulator's control channel (bench protocol, op `stimulus`). */
import type { WireTap } from '../../framing/wire-tap.js';
import { BenchClient } from '../../protocols/bench/client.js';
import type { JsonObject } from '../../protocols/bench/messages.js';
import type { Transport } from '../../transports/transport.js';
import type { CallOptions, StimulusDriver, StimulusReply } from '../terminal.js';

export class SimulatorControl implements StimulusDriver {
  readonly kind = 'simulator';
  private client: BenchClient | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly tap?: WireTap,
  ) {}

  async apply(stimulus: string, args: Record<string, unknown>, options: CallOptions): Promise<StimulusReply> {
    if (!this.client) {
      await this.transport.open(options.signal);
      this.client = new BenchClient(this.transport, this.tap);
    }
    const response = await this.client.request('stimulus', { ...(args as JsonObject), name: stimulus }, options);
    return response.ok ? { ok: true, result: response.result } : { ok: false, error: response.error };
  }

  async close(): Promise<void> {
    if (this.client) await this.client.close();
    else await this.transport.close();
  }
}
