/**
 * The simulated acquirer host: answers authorisation requests after a seeded latency, declines
 * by rule, and can be unreachable. Response codes follow ISO 8583 field 39 ("00" approved,
 * "05" do not honour, "51" insufficient funds, "91" issuer unavailable).
 */
import type { SeededRandom } from './random.js';

export interface HostRules {
  /** Latency range of an authorisation, ms. */
  latencyMs: [number, number];
  /** PAN prefixes the issuer declines with "05". */
  declinePrefixes: string[];
}

export interface Authorisation {
  approved: boolean;
  responseCode: string;
  approvalCode?: string;
  latencyMs: number;
}

export const DEFAULT_HOST_RULES: HostRules = { latencyMs: [15, 60], declinePrefixes: ['400000'] };

export class SimulatedHost {
  online = true;
  /** Faults: the next request is lost (never answered), or answered this much later. */
  dropNext = false;
  extraLatencyMs = 0;

  constructor(
    private readonly random: SeededRandom,
    private readonly rules: HostRules = DEFAULT_HOST_RULES,
  ) {}

  /** Resolves with the decision; never resolves when the host cannot be reached (the terminal times out). */
  async authorise(request: { amount: number; pan?: string }): Promise<Authorisation> {
    const latencyMs = Math.round(this.random.between(...this.rules.latencyMs));
    const approvalCode = this.random.code(6);
    const lost = !this.online || this.dropNext;
    this.dropNext = false;
    if (lost) return new Promise<never>(() => undefined);
    const extra = this.extraLatencyMs;
    this.extraLatencyMs = 0;
    await new Promise((resolve) => setTimeout(resolve, latencyMs + extra));
    // Amounts ending in .51 decline as "insufficient funds": a fixed rule suites can rely on.
    if (request.amount % 100 === 51) return { approved: false, responseCode: '51', latencyMs };
    if (request.pan && this.rules.declinePrefixes.some((p) => request.pan!.startsWith(p))) return { approved: false, responseCode: '05', latencyMs };
    return { approved: true, responseCode: '00', approvalCode, latencyMs };
  }
}
