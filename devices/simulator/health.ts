/**
 * What the simulated terminal reports about its own health in `status`: free memory and the
 * temperature inside the case, the two figures a soak watches on real terminals. Plausible, not
 * random: free memory shrinks with the transactions kept in the batch (and the receipts held
 * for the printer) and comes back after end-of-day; the temperature follows the work done, a
 * little above the room at rest and warmer under a steady stream of authorisations.
 */
import type { SeededRandom } from './random.js';

const TOTAL_FREE_KB = 65_536;
const KB_PER_TRANSACTION = 0.5;
const KB_PER_HELD_RECEIPT = 2;
const ROOM_C = 31;
/** How far sustained work can warm the terminal above the room, °C. */
const WORK_RISE_C = 20;
/** Heat fades with this time constant, ms: a few minutes, like a small case with no fan. */
const COOLING_MS = 120_000;
/** Heat units at which the rise is about 63 % of its most (a few authorisations a second). */
const HEAT_SCALE = 300;

export class TerminalHealthModel {
  private heat = 0;
  private heatAt: number;

  constructor(
    private readonly random: SeededRandom,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.heatAt = this.now();
  }

  /** One authorisation's worth of work. */
  worked(): void {
    this.heat = this.heatNow() + 1;
    this.heatAt = this.now();
  }

  reading(transactionsInBatch: number, heldReceipts: number): { freeMemoryKb: number; temperatureC: number } {
    const jitterKb = Math.round((this.random.next() - 0.5) * 64);
    const freeMemoryKb = Math.max(0, Math.round(TOTAL_FREE_KB - transactionsInBatch * KB_PER_TRANSACTION - heldReceipts * KB_PER_HELD_RECEIPT) + jitterKb);
    const rise = WORK_RISE_C * (1 - Math.exp(-this.heatNow() / HEAT_SCALE));
    const temperatureC = Math.round((ROOM_C + rise + (this.random.next() - 0.5) * 0.4) * 10) / 10;
    return { freeMemoryKb, temperatureC };
  }

  private heatNow(): number {
    return this.heat * Math.exp(-(this.now() - this.heatAt) / COOLING_MS);
  }
}
