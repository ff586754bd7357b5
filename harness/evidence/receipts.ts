/**
 * Decoded receipts as evidence: every `printer.output` the terminal sends during a run is kept
 * as `receipts/NNN-COPY.json` — the receipt's lines, styles, QR codes and cuts, decoded from the
 * ESC/POS bytes and masked. The raw bytes are not kept: a faulty terminal may print a full PAN.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEscPos } from '../../devices/formats/escpos.js';
import { maskValue } from './mask.js';

export class ReceiptArchive {
  private count = 0;

  constructor(private readonly dir: string) {}

  add(data: unknown): string | undefined {
    const output = (data ?? {}) as { copy?: unknown; txnId?: unknown; escpos?: unknown };
    if (typeof output.escpos !== 'string') return undefined;
    const decoded = /^([0-9a-fA-F]{2})*$/.test(output.escpos) ? decodeEscPos(Buffer.from(output.escpos, 'hex')) : undefined;
    const copy = typeof output.copy === 'string' ? output.copy.replace(/[^a-z0-9-]/gi, '') : 'receipt';
    const name = `${String(++this.count).padStart(3, '0')}-${copy || 'receipt'}.json`;
    const receipt = decoded?.ok
      ? { copy, txnId: output.txnId, bytes: output.escpos.length / 2, text: decoded.value.lines.map((l) => l.text), ...decoded.value }
      : { copy, txnId: output.txnId, error: decoded && !decoded.ok ? decoded.error : { code: 'NOT_HEX', offset: 0, reason: 'escpos is not hex' } };
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, name), JSON.stringify(maskValue(receipt), null, 2) + '\n');
    return name;
  }
}
