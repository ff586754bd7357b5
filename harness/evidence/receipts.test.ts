import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord, StepRecord } from '../core/record.js';
import { readReceipts, readRunReceipts } from '../reporters/html-receipts.js';
import { ReceiptArchive } from './receipts.js';
import { segmentFiles } from './segments.js';

const root = mkdtempSync(join(tmpdir(), 'poshil-receipts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** ESC/POS of a receipt: init, its lines, a cut. */
function escpos(lines: string[]): string {
  return Buffer.concat([Buffer.from([0x1b, 0x40]), ...lines.map((l) => Buffer.from(`${l}\n`, 'latin1')), Buffer.from([0x1d, 0x56, 0x00])]).toString('hex');
}

function awaitedReceipt(copy: string, txnId: string): StepRecord {
  return { index: 0, kind: 'await', label: 'await printer.output', outcome: 'PASS', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, observed: { event: 'printer.output', data: { copy, txnId } } };
}

function recordWith(steps: StepRecord[]): RunRecord {
  const c = { id: 'c', suite: 's', mandatory: true, outcome: 'PASS' as const, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, attempts: [{ attempt: 1, outcome: 'PASS' as const, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, steps }] };
  return { suites: [{ id: 's', file: 's.yaml', sha256: '0', cases: [c] }] } as unknown as RunRecord;
}

describe('receipts as NDJSON segments', () => {
  it('masks a card number wrapped onto the next printed line in the decoded lines too, not only in the text', async () => {
    const dir = join(root, 'wrapped');
    const archive = new ReceiptArchive(dir, 'run-w');
    archive.add({ copy: 'merchant', escpos: escpos(['H 41111111', '11111111', 'THANK YOU']) });
    await archive.end();
    const kept = readFileSync(join(dir, segmentFiles(dir, 'receipts')[0]!), 'utf8');
    expect(kept).not.toMatch(/41111111/);
    const receipt = JSON.parse(kept.split('\n').find((line) => line.includes('"text"'))!) as { text: string[]; lines: { text: string }[] };
    expect(receipt.text).toEqual(['H 411111**', '****1111', 'THANK YOU']);
    expect(receipt.lines.map((l) => l.text)).toEqual(receipt.text);
  });

  it('keeps one masked line per receipt in rotating segments and reads them back in order', async () => {
    const dir = join(root, 'run');
    const archive = new ReceiptArchive(dir, 'run-1', 2048);
    for (let i = 1; i <= 30; i++) {
      expect(archive.add({ copy: i % 2 ? 'merchant' : 'customer', txnId: `T${Math.ceil(i / 2)}`, escpos: escpos(['POSHIL MART', 'CARD 4111111111111111', `TOTAL EUR ${i}.00`]) })).toMatch(/^receipts\/\d{5}\.ndjson#\d+$/);
    }
    expect(archive.add({ copy: 'merchant', escpos: 'zz' })).toMatch(/#31$/);
    await archive.end();
    expect(segmentFiles(dir, 'receipts').length).toBeGreaterThan(2);
    const receipts = readReceipts(dir);
    expect(receipts).toHaveLength(30);
    expect(receipts[0]).toMatchObject({ copy: 'merchant', txnId: 'T1', text: ['POSHIL MART', 'CARD 411111******1111', 'TOTAL EUR 1.00'] });
    expect(receipts[29]!.text[2]).toBe('TOTAL EUR 30.00');
    expect(receipts[29]!.file).toMatch(/^receipts\/\d{5}\.ndjson#30$/);
    expect(JSON.stringify(receipts)).not.toContain('4111111111111111');
  });

  it('a run that printed nothing has no receipts folder', async () => {
    const dir = join(root, 'silent');
    const archive = new ReceiptArchive(dir, 'run-1');
    await archive.end();
    expect(segmentFiles(dir, 'receipts')).toEqual([]);
    expect(readRunReceipts(dir)).toEqual({ receipts: [], total: 0 });
  });

  it('reads the one-file-per-receipt layout of older runs', () => {
    const dir = join(root, 'old');
    mkdirSync(join(dir, 'receipts'), { recursive: true });
    writeFileSync(join(dir, 'receipts', '001-merchant.json'), JSON.stringify({ copy: 'merchant', txnId: 'T1', text: ['A'] }, null, 2));
    writeFileSync(join(dir, 'receipts', '002-customer.json'), JSON.stringify({ copy: 'customer', txnId: 'T1', text: ['B'] }, null, 2));
    expect(readReceipts(dir)).toEqual([
      { file: 'receipts/001-merchant.json', copy: 'merchant', txnId: 'T1', text: ['A'] },
      { file: 'receipts/002-customer.json', copy: 'customer', txnId: 'T1', text: ['B'] },
    ]);
  });

  it('given the record, keeps only the receipts its steps can show, and counts them all', async () => {
    const dir = join(root, 'soak');
    const archive = new ReceiptArchive(dir, 'run-1', 64 * 1024);
    for (let i = 1; i <= 2000; i++) archive.add({ copy: i % 2 ? 'merchant' : 'customer', txnId: `T${Math.ceil(i / 2)}`, escpos: escpos([`SALE ${i}`]) });
    await archive.end();
    const { receipts, total } = readRunReceipts(dir, recordWith([awaitedReceipt('customer', 'T700'), awaitedReceipt('merchant', 'T3')]));
    expect(total).toBe(2000);
    expect(receipts.length).toBeLessThanOrEqual(4);
    expect(receipts.map((r) => `${r.copy}/${String(r.txnId)}`)).toEqual(expect.arrayContaining(['customer/T700', 'merchant/T3']));
  });
});
