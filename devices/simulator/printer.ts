/**
 * The simulated receipt printer: real ESC/POS bytes, paper-out and cover-open states, and
 * receipts held while it cannot print and printed when it can again.
 */
import { ReceiptEncoder } from '../formats/escpos-encode.js';

export interface PrintedReceipt {
  copy: string;
  txnId?: string;
  escpos: string;
  lines: string[];
}

export class SimulatedPrinter {
  paper: 'ok' | 'out' = 'ok';
  cover: 'closed' | 'open' = 'closed';
  /** A planted defect: receipts held during paper-out are lost instead of printed. */
  dropHeld = false;
  private readonly held: PrintedReceipt[] = [];

  constructor(private readonly output: (receipt: PrintedReceipt) => void, private readonly status: (state: Record<string, unknown>) => void) {}

  get ready(): boolean {
    return this.paper === 'ok' && this.cover === 'closed';
  }

  get heldCount(): number {
    return this.held.length;
  }

  print(copy: string, lines: { text: string; bold?: boolean; align?: 'left' | 'center' | 'right' }[], qr?: string, txnId?: string): void {
    const encoder = new ReceiptEncoder().initialise();
    for (const line of lines) encoder.align(line.align ?? 'left').bold(line.bold ?? false).line(line.text);
    if (qr) encoder.align('center').qr(qr);
    encoder.feed(3).cut('partial');
    const receipt: PrintedReceipt = { copy, ...(txnId ? { txnId } : {}), escpos: encoder.hex(), lines: lines.map((l) => l.text) };
    if (this.ready) this.output(receipt);
    else {
      this.held.push(receipt);
      this.status({ paper: this.paper, cover: this.cover, held: this.held.length });
    }
  }

  setPaper(paper: 'ok' | 'out'): void {
    this.paper = paper;
    this.changed();
  }

  setCover(cover: 'closed' | 'open'): void {
    this.cover = cover;
    this.changed();
  }

  private changed(): void {
    this.status({ paper: this.paper, cover: this.cover, held: this.held.length });
    if (this.ready && this.dropHeld) this.held.length = 0;
    while (this.ready && this.held.length > 0) this.output(this.held.shift()!);
  }
}
