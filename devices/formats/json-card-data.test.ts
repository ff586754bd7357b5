import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReceiptEncoder } from './escpos-encode.js';
import { maskJsonText, maskJsonValue } from './json-card-data.js';
import { schemePan } from './test-support/pans.js';

const receiptHex = (line: string) => Buffer.from(new ReceiptEncoder().initialise().line(line).cut('full').encode()).toString('hex');

describe('maskJsonText', () => {
  it('masks inside the escpos hex of an event and keeps every other character', () => {
    const line = JSON.stringify({ event: 'printer.output', ts: '2026-11-25T17:43:07.123Z', data: { copy: 'customer', txnId: 'TXN-000123', escpos: receiptHex('CARD 4111111111111111') } });
    const masked = maskJsonText(line);
    expect(masked.text).toHaveLength(line.length);
    expect(masked.text).not.toContain(Buffer.from('4111111111111111').toString('hex'));
    expect(masked.text).toContain(Buffer.from('411111******1111').toString('hex'));
    expect(masked.text).toContain('"txnId":"TXN-000123"');
    expect(masked.spans).toEqual([expect.objectContaining({ kind: 'pan', where: 'ESC/POS text', length: 12 })]);
    const at = masked.spans[0]!.at;
    expect(line.slice(0, at)).toBe(masked.text.slice(0, at));
  });

  it('keeps upper-case hex upper-case, and masks a PAN sent as a JSON number', () => {
    const line = `{"id":1,"ok":true,"result":{"pan":4111111111111111,"escpos":"${receiptHex('5555555555554444').toUpperCase()}"}}`;
    const masked = maskJsonText(line);
    expect(masked.text).toContain('"pan":411111******1111');
    expect(masked.text).toMatch(/"escpos":"[0-9A-F*]+"/);
    expect(masked.text).toContain(Buffer.from('555555******4444').toString('hex').toUpperCase());
  });

  it('masks a PAN written with JSON escapes without changing the length', () => {
    const line = '{"text":"card \\u0034111111111111111 end"}';
    const masked = maskJsonText(line);
    expect(masked.text).toHaveLength(line.length);
    expect(masked.text).toBe('{"text":"card \\u003411111******1111 end"}');
  });

  it('masks text that is not JSON as text and says it could not parse it', () => {
    expect(maskJsonText('garbage 4111111111111111 {')).toEqual({ text: 'garbage 411111******1111 {', spans: [expect.objectContaining({ kind: 'pan' })], unparsed: 'not JSON' });
  });

  it('leaves no PAN in any encoding a JSON line carries, and changes only the listed characters (property)', () => {
    fc.assert(
      fc.property(schemePan, fc.constantFrom('text', 'hex', 'HEX', 'number', 'base64'), fc.string({ maxLength: 20 }), (pan, form, noise) => {
        const value = form === 'text' ? `${noise} ${pan} ${noise}` : form === 'number' ? Number(pan) : form === 'base64' ? Buffer.from(`xx${pan}yy`).toString('base64') : Buffer.from(`PAN ${pan}.`).toString('hex');
        if (form === 'number' && String(value) !== pan) return;
        const line = JSON.stringify({ event: 'x', data: { [form === 'hex' || form === 'HEX' ? 'rawHex' : 'v']: form === 'HEX' ? String(value).toUpperCase() : value } });
        const masked = maskJsonText(line);
        expect(masked.text).toHaveLength(line.length);
        expect(masked.text).not.toContain(pan);
        expect(masked.text.toLowerCase()).not.toContain(Buffer.from(pan).toString('hex'));
        const listed = new Set(masked.spans.flatMap((s) => Array.from({ length: s.length }, (_, i) => s.at + i)));
        for (let i = 0; i < line.length; i++) if (!listed.has(i)) expect(masked.text[i]).toBe(line[i]);
        if (form === 'base64') expect(Buffer.from(JSON.parse(masked.text).data.v, 'base64').toString('latin1')).not.toContain(pan);
      }),
    );
  });
});

describe('maskJsonValue', () => {
  it('masks strings by their key and returns the same object when nothing changed', () => {
    const clean = { a: 'TXN-1', b: [1, 2] };
    expect(maskJsonValue(clean)).toBe(clean);
    expect(maskJsonValue({ note: 'pan 4111111111111111', pan: 5555555555554444, escpos: receiptHex('4111111111111111') })).toEqual({
      note: 'pan 411111******1111',
      pan: '555555******4444',
      escpos: receiptHex('411111******1111'),
    });
  });
});
