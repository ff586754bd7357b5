/**
 * Decoded receipts as evidence: every `printer.output` the terminal sends during a run is kept
 * as one line of `receipts/NNNNN.ndjson` — the receipt's number, copy, lines, styles, QR codes and
 * cuts, decoded from the ESC/POS bytes and masked. The raw bytes are not kept: a faulty terminal
 * may print a full PAN. One line per receipt in a chain of segments (segments.ts), not a file
 * each: a soak prints hundreds of thousands. Older runs kept `receipts/NNN-COPY.json` files;
 * html-receipts.ts reads both.
 */
import { decodeEscPos } from '../../devices/formats/escpos.js';
import { maskValue } from './mask.js';
import { SegmentedNdjson, type SealedSegment } from './segments.js';

export const RECEIPTS_STREAM = 'receipts';

/** A receipt as people read it, masked: for a live view while the run goes. */
export interface PrintedReceipt {
  n: number;
  copy: string;
  txnId?: string;
  text: string[];
}

export class ReceiptArchive {
  private count = 0;
  private file: SegmentedNdjson | undefined;

  constructor(
    private readonly runDir: string,
    private readonly runId: string,
    private readonly segmentBytes?: number,
    private readonly onPrinted?: (receipt: PrintedReceipt) => void,
  ) {}

  /** Keeps one printed receipt; returns where (`receipts/00001.ndjson#12`: the 12th receipt). */
  add(data: unknown): string | undefined {
    const output = (data ?? {}) as { copy?: unknown; txnId?: unknown; escpos?: unknown };
    if (typeof output.escpos !== 'string') return undefined;
    const decoded = /^([0-9a-fA-F]{2})*$/.test(output.escpos) ? decodeEscPos(Buffer.from(output.escpos, 'hex')) : undefined;
    const copy = typeof output.copy === 'string' ? output.copy.replace(/[^a-z0-9-]/gi, '') : 'receipt';
    const n = ++this.count;
    const receipt = decoded?.ok
      ? { n, copy, txnId: output.txnId, bytes: output.escpos.length / 2, text: decoded.value.lines.map((l) => l.text), ...decoded.value }
      : { n, copy, txnId: output.txnId, error: decoded && !decoded.ok ? decoded.error : { code: 'NOT_HEX', offset: 0, reason: 'escpos is not hex' } };
    // Opened at the first receipt: a run that printed none has no receipts folder.
    this.file ??= new SegmentedNdjson(this.runDir, RECEIPTS_STREAM, this.runId, this.segmentBytes);
    const masked = maskValue(receipt) as typeof receipt;
    // A number wrapped onto the next printed line is found in `text`, where neighbouring lines are
    // read together; each of `lines` holds one line alone. Masking keeps lengths, so line i of
    // `text` is line i of `lines`.
    if ('text' in masked) masked.lines.forEach((line, i) => (line.text = masked.text[i]!));
    this.file.append(masked);
    if (this.onPrinted && 'text' in masked) this.onPrinted({ n, copy, ...(typeof masked.txnId === 'string' ? { txnId: masked.txnId } : {}), text: masked.text });
    return `${this.file.file}#${n}`;
  }

  flushSync(): void {
    this.file?.flushSync();
  }

  /** Why the receipts could not be written, if they could not. */
  get failure(): Error | undefined {
    return this.file?.failure;
  }

  async end(): Promise<SealedSegment[]> {
    return (await this.file?.end()) ?? [];
  }
}
