import { describe, expect, it } from 'vitest';
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import berTlv from 'ber-tlv';
import { maskEscPos, maskIso8583, maskTlv } from './card-data.js';
import { decodeEscPos } from './escpos.js';
import { encodeIso8583 } from './iso8583.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));
const changed = (a: Uint8Array, b: Uint8Array) => [...a.keys()].filter((i) => a[i] !== b[i]);

describe('maskEscPos', () => {
  it('reads images as no text, and masks a card number in barcode data', () => {
    const logo = Buffer.from('4111111111111111'); // image bytes that happen to read as digits
    const raster = `1d7630${'00'}${(logo.length / 2).toString(16).padStart(2, '0')}00${'02'}00${logo.toString('hex')}`;
    const bitImage = `1b2a00${logo.length.toString(16).padStart(2, '0')}00${logo.toString('hex')}`;
    const decoded = decodeEscPos(hex(`1b40${raster}${bitImage}${Buffer.from('TOTAL').toString('hex')}0a`));
    expect(decoded.ok && decoded.value.lines.map((l) => l.text)).toEqual(['TOTAL']);
    expect(decoded.ok && decoded.value.unknown).toEqual([]);
    const barcode = new ReceiptPrinterEncoder({ language: 'esc-pos' }).initialize().barcode('4111111111111111', 'code128', 60).encode();
    const masked = maskEscPos(barcode);
    expect(masked.unparsed).toBeUndefined();
    expect(Buffer.from(masked.bytes).toString('latin1')).toContain('411111******1111');
    expect(masked.spans.map((s) => s.where)).toEqual(['ESC/POS barcode data']);
  });

  it('masks a card number beside commands whose argument bytes are no text, after a print-and-feed, and before a carriage return', () => {
    const ESC = '1b';
    const ascii = (text: string) => Buffer.from(text).toString('hex');
    for (const [before, after] of [
      [`${ESC}24${ascii('2')}00`, ''], // ESC $ '2' 0: absolute position
      [`1d4c${ascii('4')}00`, ''], // GS L '4' 0: left margin
      [`1d42${ascii('1')}`, ''], // GS B '1': reverse printing
      [`${ESC}56${ascii('1')}`, ''], // ESC V '1': rotation
      [`${ascii('TID 12345678')}${ESC}6401`, ''], // ESC d 1 prints the line before
      [`${ascii('TID 12345678')}${ESC}4a10`, ''], // ESC J 16 too
      ['', `0d${ascii('12/27')}0d0a`], // CR, then the expiry on a printer without automatic line feed
      [`${ascii('TID 12345678')}0d`, ''],
    ] as const) {
      const masked = maskEscPos(hex(`${ESC}40${before}${ascii('4111111111111111')}${after}0a`));
      expect(masked.unparsed, before + after).toBeUndefined();
      expect(Buffer.from(masked.bytes).toString('latin1'), before + after).toContain('411111******1111');
    }
  });

  it('masks the card number a receipt prints, and only it; the bytes still decode', () => {
    const bytes = new ReceiptPrinterEncoder({ language: 'esc-pos', columns: 42 })
      .initialize()
      .bold(true)
      .line('CARD 4111111111111111')
      .bold(false)
      .line('TOTAL EUR 12.50')
      .qrcode('PAN=5555555555554444')
      .cut('partial')
      .encode();
    const masked = maskEscPos(bytes);
    expect(masked.unparsed).toBeUndefined();
    expect(masked.bytes).toHaveLength(bytes.length);
    const decoded = decodeEscPos(masked.bytes);
    expect(decoded.ok && decoded.value.lines.map((l) => l.text.trim())).toEqual(expect.arrayContaining(['CARD 411111******1111', 'TOTAL EUR 12.50']));
    expect(decoded.ok && decoded.value.qrCodes[0]!.data).toBe('PAN=555555******4444');
    const listed = masked.spans.flatMap((s) => Array.from({ length: s.length }, (_, i) => s.at + i));
    expect(changed(bytes, masked.bytes)).toEqual(listed.sort((a, b) => a - b));
    expect(masked.spans.map((s) => s.where)).toEqual(['ESC/POS text', 'ESC/POS QR code data']);
  });

  it('masks a card number the firmware wrapped onto the next line, whole or in groups', () => {
    for (const [first, second] of [['KARTENNUMMER: 411111111111', '1111'], ['Kartennummer: 4111 1111 1111', '1111'], ['CARD 4111 1111 1111 11', '11 EXP 12/27']] as const) {
      const bytes = new ReceiptPrinterEncoder({ language: 'esc-pos', columns: 42 }).initialize().line(first).line(second).line('TOTAL EUR 12.50').encode();
      const masked = maskEscPos(bytes);
      const decoded = decodeEscPos(masked.bytes);
      const printed = decoded.ok ? decoded.value.lines.map((l) => l.text).join('\n') : '';
      expect(printed.replace(/[^0-9*]/g, ''), first).not.toContain('4111111111111111');
      expect(printed).toContain('TOTAL EUR 12.50');
      const listed = masked.spans.flatMap((s) => Array.from({ length: s.length }, (_, i) => s.at + i));
      expect(changed(bytes, masked.bytes)).toEqual([...new Set(listed)].sort((a, b) => a - b));
    }
  });

  it('falls back to the printable runs of bytes that are not ESC/POS, and says so', () => {
    const masked = maskEscPos(Uint8Array.from([...Buffer.from('CARD 4111111111111111'), 0x1d, 0x28, 0x6b, 0xff]));
    expect(masked.unparsed).toMatch(/not ESC\/POS at byte 21/);
    expect(Buffer.from(masked.bytes).toString('latin1')).toContain('411111******1111');
  });
});

describe('maskTlv', () => {
  it('masks 5A and 57 in BCD and keeps the structure an independent parser sees', () => {
    const data = '9F0206000000001000 5A084111111111111111 5F2A020978 570F4111111111111111D30121010000F0';
    const masked = maskTlv(hex(data));
    expect(Buffer.from(masked.bytes).toString('hex').toUpperCase()).toBe('9F02060000000010005A08411111EEEEEE11115F2A020978570F411111EEEEEE1111DEEEEEEEEEEEF0');
    const parse = (h: string) => (berTlv as { TlvFactory: { parse(h: string): { tag: string }[] } }).TlvFactory.parse(h);
    expect(parse(Buffer.from(masked.bytes).toString('hex')).map((t) => t.tag)).toEqual(parse(data.replace(/ /g, '')).map((t) => t.tag));
    expect(masked.spans.map((s) => [s.kind, s.where])).toEqual([['pan', 'TLV 5A'], ['track2', 'TLV 57']]);
  });

  it('masks track 1 data (56) as text, and discretionary data whole', () => {
    const track1 = Buffer.from('B4111111111111111^TEST/POSHIL^3012101000').toString('hex');
    const masked = maskTlv(hex(`56${(track1.length / 2).toString(16)}${track1} 9F2003123456`));
    const text = Buffer.from(masked.bytes).toString('latin1');
    expect(text).toContain('B411111******1111^***********^**********');
    expect(Buffer.from(masked.bytes.subarray(-3)).toString('hex')).toBe('2a2a2a');
  });
});

describe('maskIso8583', () => {
  it('masks field 2 to first six / last four and tracks 35 and 45 whole, in place', () => {
    const message = encodeIso8583({ mti: '0200', fields: { 2: '4111111111111111', 4: '000000001250', 35: '4111111111111111=30121010000000000000', 45: 'B4111111111111111^TEST/POSHIL^3012' } });
    const masked = maskIso8583(message)!;
    expect(masked.text).toHaveLength(message.length);
    expect(masked.text).toContain('16411111******1111000000001250');
    expect(masked.text).not.toMatch(/4111111111111111|30121010/);
    expect(masked.spans.map((s) => s.where)).toEqual(['ISO 8583 field 2', 'ISO 8583 field 35', 'ISO 8583 field 45']);
    expect(maskIso8583('not a message')).toBeUndefined();
  });
});
