import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import { decodeEscPos } from './escpos.js';
import { ReceiptEncoder } from './escpos-encode.js';

describe('ESC/POS', () => {
  it('decodes what an independent encoder writes: text, bold, alignment, QR and cut', () => {
    const bytes = new ReceiptPrinterEncoder({ language: 'esc-pos', columns: 42 })
      .initialize()
      .align('center')
      .bold(true)
      .line('POSHIL BAKERY')
      .bold(false)
      .align('left')
      .line('TOTAL EUR 12.50')
      .qrcode('TXN-000042')
      .cut('partial')
      .encode();
    const decoded = decodeEscPos(bytes);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const r = decoded.value;
    expect(r.initialised).toBe(true);
    // This encoder centres by padding with spaces rather than with ESC a.
    expect(r.lines).toContainEqual(expect.objectContaining({ text: expect.stringMatching(/^ +POSHIL BAKERY$/), bold: true }));
    expect(r.lines).toContainEqual(expect.objectContaining({ text: expect.stringContaining('TOTAL EUR 12.50'), bold: false, align: 'left' }));
    expect(r.qrCodes.map((q) => q.data)).toEqual(['TXN-000042']);
    expect(r.cuts).toHaveLength(1);
    expect(r.unknown).toEqual([]);
  });

  it('round-trips its own encoder (property)', () => {
    const line = fc.record({ text: fc.stringMatching(/^[ -~]{0,40}$/), bold: fc.boolean(), align: fc.constantFrom('left' as const, 'center' as const, 'right' as const) });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.stringMatching(/^[ -~]{1,80}$/), (lines, qr) => {
        const enc = new ReceiptEncoder().initialise();
        for (const l of lines) enc.align(l.align).bold(l.bold).line(l.text);
        const decoded = decodeEscPos(enc.qr(qr).cut('full').encode());
        expect(decoded.ok && decoded.value.lines.map((l) => ({ text: l.text, bold: l.bold, align: l.align }))).toEqual(lines);
        expect(decoded.ok && decoded.value.qrCodes[0]?.data).toBe(qr);
        expect(decoded.ok && decoded.value.cuts[0]?.type).toBe('full');
      }),
    );
  });

  it('keeps unknown commands with their offset and refuses a truncated command', () => {
    const decoded = decodeEscPos(Uint8Array.from([0x1b, 0x40, 0x41, 0x1b, 0x7a, 0x0a]));
    expect(decoded.ok && decoded.value.unknown).toEqual([{ offset: 3, hex: '1b7a' }]);
    expect(decodeEscPos(Uint8Array.from([0x1d, 0x56]))).toMatchObject({ ok: false, error: { code: 'TRUNCATED', offset: 0 } });
  });
});
