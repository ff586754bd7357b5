import { describe, expect, it } from 'vitest';
import { ReceiptEncoder } from '../../devices/formats/escpos-encode.js';
import { buildTrack2 } from '../../devices/formats/track.js';
import { Expectations } from './expectations.js';

const origin = { file: 't.yaml', baseDir: '/', pointer: '/x' };
const check = (schema: object, value: unknown) => new Expectations().compile(schema, origin).check(value);

describe('payment keywords', () => {
  it('luhn and maskedPan', () => {
    expect(check({ luhn: true }, '4111111111111111')).toEqual([]);
    expect(check({ luhn: true }, '4111111111111112')).toHaveLength(1);
    expect(check({ maskedPan: true }, '411111******1111')).toEqual([]);
    expect(check({ maskedPan: true }, '4111111111111111')[0]?.message).toContain('masked');
  });

  it('track2 and emvQr', () => {
    expect(check({ track2: true }, buildTrack2({ pan: '4111111111111111', expiry: '3012', serviceCode: '101' }))).toEqual([]);
    expect(check({ track2: true }, ';4111111111111112=3012101?')).toHaveLength(1);
    const qr = '00020101021126340013eu.poshil.pay0113MERCHANT-00015204541153039785802DE5913POSHIL BAKERY6006BERLIN6304928E';
    expect(check({ emvQr: true }, qr)).toEqual([]);
    expect(check({ emvQr: true }, qr.slice(0, -1) + 'F')).toHaveLength(1);
  });

  it('receipt checks the decoded ESC/POS structure', () => {
    const hex = Buffer.from(new ReceiptEncoder().initialise().line('TOTAL EUR 12.50').line('CARD 411111******1111').qr('TXN-1').cut().encode()).toString('hex');
    const schema = { receipt: { properties: { text: { allOf: [{ pattern: 'TOTAL EUR 12\\.50' }, { not: { pattern: '\\d{13,19}' } }] }, cuts: { minItems: 1 } } } };
    expect(check(schema, hex)).toEqual([]);
    const noCut = Buffer.from(new ReceiptEncoder().line('TOTAL EUR 12.50').encode()).toString('hex');
    expect(check(schema, noCut)).toHaveLength(1);
    // A line that does not match says what it printed.
    const lineRule = { receipt: { properties: { lines: { items: [{ properties: { text: { pattern: 'TOTAL EUR 99' } } }] } } } };
    expect(check(lineRule, hex).map((i) => i.message)).toEqual(['receipt line 1 must match TOTAL EUR 99, got "TOTAL EUR 12.50"']);
  });

  it('rejects a typo in a keyword as an invalid schema', () => {
    expect(() => check({ maskedPann: true }, 'x')).toThrow(/not a valid JSON Schema/);
  });
});
