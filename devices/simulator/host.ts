/**
 * The simulated acquirer host: answers authorisation requests after a seeded latency, declines
 * by rule, and can be unreachable. Response codes follow ISO 8583 field 39 ("00" approved,
 * "05" do not honour, "51" insufficient funds, "91" issuer unavailable).
 */
import { decodeIso8583, encodeIso8583 } from '../formats/iso8583.js';
import type { SeededRandom } from './random.js';

export interface HostRules {
  /** Latency range of an authorisation, ms. */
  latencyMs: [number, number];
  /** PAN prefixes the issuer declines with "05". */
  declinePrefixes: string[];
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

  /**
   * The acquirer's side of the link: takes an ISO 8583 request (docs: devices/formats/iso8583.ts)
   * and answers with the matching response message. Never answers when the host cannot be
   * reached, so the terminal must time out.
   */
  async exchange(requestText: string): Promise<string> {
    const latencyMs = Math.round(this.random.between(...this.rules.latencyMs));
    const approvalCode = this.random.code(6);
    const lost = !this.online || this.dropNext;
    this.dropNext = false;
    if (lost) return new Promise<never>(() => undefined);
    const extra = this.extraLatencyMs;
    this.extraLatencyMs = 0;
    // No timer at all for a host with no latency: a timer takes at least a millisecond.
    if (latencyMs + extra > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs + extra));
    const request = decodeIso8583(requestText);
    if (!request.ok) return encodeIso8583({ mti: '0210', fields: { 39: '30' } }); // 30: format error
    const { mti, fields } = request.value;
    const answer: Record<number, string> = {};
    for (const echoed of [11, 41]) if (fields[echoed] !== undefined) answer[echoed] = fields[echoed];
    const responseMti = String(Number(mti) + 10).padStart(4, '0');
    if (mti === '0400') return encodeIso8583({ mti: responseMti, fields: { ...answer, 39: '00' } });
    const amount = Number(fields[4] ?? '0');
    const pan = fields[2];
    // Amounts ending in .51 decline as "insufficient funds": a fixed rule suites can rely on.
    const code = amount % 100 === 51 ? '51' : pan && this.rules.declinePrefixes.some((p) => pan.startsWith(p)) ? '05' : '00';
    if (code === '00') answer[38] = approvalCode;
    answer[39] = code;
    return encodeIso8583({ mti: responseMti, fields: answer });
  }
}
