/**
 * Receipts next to the step that received them: the run folder's receipts/NNN-COPY.json (decoded
 * and masked when the run kept them) matched to `await printer.output` steps by copy and
 * transaction id. Read from disk because the record keeps only the event, not the decoded text.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepRecord } from '../core/record.js';

export interface ReceiptText {
  file: string;
  copy?: string;
  txnId?: unknown;
  text: string[];
}

export function readReceipts(runDir: string): ReceiptText[] {
  const dir = join(runDir, 'receipts');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .flatMap((name) => {
      try {
        const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { copy?: string; txnId?: unknown; text?: unknown };
        return Array.isArray(r.text) ? [{ file: `receipts/${name}`, ...(r.copy ? { copy: r.copy } : {}), txnId: r.txnId, text: r.text.map(String) }] : [];
      } catch {
        return [];
      }
    });
}

/** Receipts matched to steps: each receipt at most once, in the order they were printed. */
export class ReceiptMatcher {
  private readonly used = new Set<ReceiptText>();
  constructor(private readonly receipts: readonly ReceiptText[]) {}

  forStep(step: StepRecord): ReceiptText | undefined {
    const observed = step.observed as { event?: unknown; data?: { copy?: unknown; txnId?: unknown } } | undefined;
    if (observed?.event !== 'printer.output' || !observed.data) return undefined;
    const { copy, txnId } = observed.data;
    const found = this.receipts.find((r) => !this.used.has(r) && r.copy === copy && (txnId === undefined || r.txnId === txnId));
    if (found) this.used.add(found);
    return found;
  }
}
