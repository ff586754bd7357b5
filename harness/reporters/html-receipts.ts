/**
 * Receipts next to the step that received them, matched to `await printer.output` steps by copy
 * and transaction id. Read from the run folder because the record keeps only the event, not the
 * decoded text: `receipts/NNNNN.ndjson` (one receipt a line, in segments; the first line of each
 * segment is its header) or, from older runs, `receipts/NNN-COPY.json` (one file each).
 *
 * A soak prints hundreds of thousands of receipts and awaits none of them: given the record, only
 * the receipts a step can be matched to are kept in memory; the others are only counted.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachLine } from '../core/lines.js';
import type { RunRecord, StepRecord } from '../core/record.js';

export interface ReceiptText {
  file: string;
  copy?: string;
  txnId?: unknown;
  text: string[];
}

export interface RunReceipts {
  /** The receipts kept (all, or those the record's steps can be matched to). */
  receipts: ReceiptText[];
  /** Every receipt the run printed. */
  total: number;
}

const SEGMENT = /^(\d+)\.ndjson$/;

function printedBy(step: StepRecord): { copy?: unknown; txnId?: unknown } | undefined {
  const observed = step.observed as { event?: unknown; data?: { copy?: unknown; txnId?: unknown } } | undefined;
  return observed?.event === 'printer.output' && observed.data ? observed.data : undefined;
}

/** Copies the record's steps received, and how many of each: a receipt beyond that is never shown. */
function wanted(record: RunRecord): Map<string, number> {
  const counts = new Map<string, number>();
  for (const suite of record.suites)
    for (const c of suite.cases)
      for (const a of c.attempts)
        for (const s of a.steps) {
          const data = printedBy(s);
          if (data) counts.set(String(data.copy), (counts.get(String(data.copy)) ?? 0) + 1);
        }
  return counts;
}

function asReceipt(value: unknown, file: string): ReceiptText | undefined {
  const r = value as { copy?: string; txnId?: unknown; text?: unknown } | null;
  if (!r || !Array.isArray(r.text) || (r as { segment?: unknown }).segment !== undefined) return undefined;
  return { file, ...(r.copy ? { copy: r.copy } : {}), txnId: r.txnId, text: r.text.map(String) };
}

/**
 * The run's receipts in the order they were printed. With `record`, only those a step can be
 * matched to are kept: the copies of the transactions its steps name, and for each copy the first
 * ones, as many as steps received that copy (a step that names no transaction takes the first
 * untaken receipt of its copy).
 */
export function readRunReceipts(runDir: string, record?: RunRecord): RunReceipts {
  const dir = join(runDir, 'receipts');
  if (!existsSync(dir)) return { receipts: [], total: 0 };
  const want = record ? wanted(record) : undefined;
  // The copies of a transaction that a step received ("customer/TXN-000003").
  const named = new Set<string>();
  if (record)
    for (const s of record.suites)
      for (const c of s.cases)
        for (const a of c.attempts)
          for (const st of a.steps) {
            const data = printedBy(st);
            if (data?.txnId !== undefined) named.add(`${String(data.copy)}/${String(data.txnId)}`);
          }
  const receipts: ReceiptText[] = [];
  let total = 0;
  const keep = (receipt: ReceiptText | undefined) => {
    if (!receipt) return;
    total++;
    if (!want) return void receipts.push(receipt);
    const left = want.get(String(receipt.copy));
    // Kept when a step received this copy of this transaction, or as one of the first of a copy steps received.
    if (left === undefined) return;
    if (named.has(`${String(receipt.copy)}/${String(receipt.txnId)}`) || left > 0) {
      receipts.push(receipt);
      want.set(String(receipt.copy), left - 1);
    }
  };
  const names = readdirSync(dir);
  const segments = names.flatMap((n) => (SEGMENT.test(n) ? [n] : [])).sort((a, b) => Number(SEGMENT.exec(a)![1]) - Number(SEGMENT.exec(b)![1]));
  for (const name of segments) {
    let line = 0;
    forEachLine(join(dir, name), (text) => {
      line++;
      if (text.trim() === '') return;
      try {
        const value = JSON.parse(text) as { n?: unknown } | null;
        // Named by the receipt's number in the run, as the log names it when kept.
        keep(asReceipt(value, `receipts/${name}#${typeof value?.n === 'number' ? value.n : line - 1}`));
      } catch {
        // a torn last line after a crash
      }
    });
  }
  // Older runs: one JSON file per receipt.
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    try {
      keep(asReceipt(JSON.parse(readFileSync(join(dir, name), 'utf8')), `receipts/${name}`));
    } catch {
      // not a receipt
    }
  }
  return { receipts, total };
}

/** Every receipt of the run (small runs, tests); the HTML report uses readRunReceipts with the record. */
export function readReceipts(runDir: string): ReceiptText[] {
  return readRunReceipts(runDir).receipts;
}

/** Receipts matched to steps: each receipt at most once, in the order they were printed. */
export class ReceiptMatcher {
  private readonly used = new Set<ReceiptText>();
  constructor(private readonly receipts: readonly ReceiptText[]) {}

  forStep(step: StepRecord): ReceiptText | undefined {
    const data = printedBy(step);
    if (!data) return undefined;
    const { copy, txnId } = data;
    const found = this.receipts.find((r) => !this.used.has(r) && r.copy === copy && (txnId === undefined || r.txnId === txnId));
    if (found) this.used.add(found);
    return found;
  }
}
