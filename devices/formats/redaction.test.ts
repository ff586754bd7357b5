import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readAsPrinted } from './printed-text.js';
import { ByteMasker, maskCardText, maskUnknownBytes } from './redaction.js';
import { groupedPan, schemePan } from './test-support/pans.js';

describe('maskCardText', () => {
  it('keeps the first six and last four digits of a PAN, in place', () => {
    expect(maskCardText('CARD 4111111111111111 OK').text).toBe('CARD 411111******1111 OK');
    expect(maskCardText('amex 378282246310005').text).toBe('amex 378282*****0005');
    expect(maskCardText('pan 4111111111111111').spans).toEqual([{ at: 10, length: 6, kind: 'pan' }]);
  });

  it('masks a PAN printed in groups, keeping the separators', () => {
    expect(maskCardText('4111 1111 1111 1111').text).toBe('4111 11** **** 1111');
    expect(maskCardText('5555-5555-5555-4444').text).toBe('5555-55**-****-4444');
    expect(maskCardText('AMEX 3782 822463 10005').text).toBe('AMEX 3782 82**** *0005');
    expect(maskCardText('3056 930902 5904').text).toBe('3056 93**** 5904');
    // More digits in the same run of groups: an expiry after the PAN, a count before it.
    expect(maskCardText('CARD 4111 1111 1111 1111 12/27').text).toBe('CARD 4111 11** **** 1111 12/27');
    expect(maskCardText('234 4111 1111 1111 1111').text).toBe('234 4111 11** **** 1111');
    expect(maskCardText('4111 1111-1111 1111').text).toBe('4111 11**-**** 1111');
    // Wider gaps, as a receipt spreads or centres the number.
    expect(maskCardText('  4111  1111  1111  1111').text).toBe('  4111  11**  ****  1111');
    expect(maskCardText('4111 - 1111 - 1111 - 1111').text).toBe('4111 - 11** - **** - 1111');
    // Other separators: a tab a code-page printer prints as ?, commas, underscores, middle dots, control characters.
    for (const gap of ['?', ',', '_', '\u00b7', '\u0001']) expect(maskCardText(['6011', '0009', '9013', '9424'].join(gap)).text).toBe(['6011', '00**', '****', '9424'].join(gap));
    // Wrapped onto the next line by a narrow receipt or display, whole or in groups.
    expect(maskCardText('Kartennummer: 411111111111\n1111').text).toBe('Kartennummer: 411111******\n1111');
    expect(maskCardText('CARD 4111 1111 1111\r\n1111').text).toBe('CARD 4111 11** ****\r\n1111');
    // Numbers on lines of their own that make no card number stay.
    expect(maskCardText('TID 41234567\nSTAN 000123').text).toBe('TID 41234567\nSTAN 000123');
    // Columns further apart are not one number.
    expect(maskCardText('4111    1111    1111    1111').text).toBe('4111    1111    1111    1111');
  });

  it('masks a PAN in any grouping GROUPED_PAN takes, in any text (property)', () => {
    fc.assert(
      fc.property(groupedPan, fc.string(), fc.string(), ({ pan, printed }, before, after) => {
        const { text: out } = maskCardText(`${before} ${printed} ${after}`);
        expect(out).not.toContain(printed);
        expect(out.replace(/[^0-9*]/g, '')).not.toContain(pan);
      }),
    );
  });

  it('shows at most ten digits of a PAN printed in groups after another group of digits (property)', () => {
    fc.assert(
      fc.property(groupedPan, fc.stringMatching(/^[2-68][0-9]{2,5}$/), ({ printed }, before) => {
        const out = maskCardText(`${before} ${printed}`).text;
        expect(out.slice(before.length + 1).replace(/[^0-9]/g, '').length).toBeLessThanOrEqual(10);
      }),
      { numRuns: 300 },
    );
  });

  it('masks everything of a track but sentinels, separators and first six / last four', () => {
    const swipe = '%B4111111111111111^TEST/POSHIL^30121010000000000000?;4111111111111111=30121010000000000000?';
    const masked = maskCardText(swipe).text;
    expect(masked).toBe('%B411111******1111^***********^********************?;411111******1111=********************?');
    expect(masked).toHaveLength(swipe.length);
    expect(maskCardText('57 body 4111111111111111D30121010000F').text).toBe('57 body 411111******1111D************');
  });

  it('masks field 2 of an ISO 8583 message printed in ASCII: the PAN after its length, among the digits of other fields', () => {
    const message = `0200${'7220000000000000'}164111111111111111000000000000001250000123`;
    expect(maskCardText(`host <- ${message}`).text).toBe(`host <- 0200722000000000000016411111******1111000000000000001250000123`);
    // Field 35: track 2 after its length, its PAN ending a longer run of digits.
    expect(maskCardText(`${message}334111111111111111=25122011234567890`).text).toBe('0200722000000000000016411111******1111000000000000001250000123' + '33411111******1111=*****************');
    // A long run with no length-prefixed scheme PAN in it stays as it is.
    for (const text of ['ref 0000000000000000000000001250', 'id 12345678901234567890123456']) expect(maskCardText(text).text).toBe(text);
  });

  it('masks EMV 5A and 57 in a hex dump with a space between bytes, as APDU traces print them', () => {
    expect(maskCardText('R-APDU 70 12 5A 08 41 11 11 11 11 11 11 11 5F 24 03 30 12 31 90 00').text).toBe('R-APDU 70 12 5A 08 41 11 11 ** ** ** 11 11 5F 24 03 30 12 31 90 00');
    expect(maskCardText('57 10 41 11 11 11 11 11 11 11 D3 01 21 01 00 00 00 0F').text).toBe('57 10 41 11 11 ** ** ** 11 11 D* ** ** ** ** ** ** *F');
    // Not a PAN (fails Luhn), or no 5A/57 on a byte boundary: left as it is.
    for (const text of ['5A 08 41 11 11 11 11 11 11 12 90 00', '05 A0 84 11 11 11 11 11 11 11 11']) expect(maskCardText(text).text).toBe(text);
  });

  it('masks a PAN dumped as hex of its ASCII digits, with or without spaces, colons or 0x, alone or inside other hex', () => {
    const hex = Buffer.from('4111111111111111').toString('hex');
    expect(maskCardText(hex).text).toBe('343131313131************31313131');
    expect(maskCardText(`PAN-HEX ${hex} end`).text).toBe('PAN-HEX 343131313131************31313131 end');
    expect(maskCardText(hex.match(/../g)!.join(' ')).text).toBe('34 31 31 31 31 31 ** ** ** ** ** ** 31 31 31 31');
    expect(maskCardText(`0x${hex.toUpperCase()}`).text).toBe('0x343131313131************31313131');
    expect(maskCardText(Buffer.from('PAN=4111111111111111;').toString('hex')).text).toBe('50414e3d343131313131************313131313b');
    // An ISO 8583 message in ASCII, dumped as hex: field 2 after its length.
    expect(maskCardText(Buffer.from('0200164111111111111111000000').toString('hex')).text).toContain('3136343131313131************31313131');
    // After an offset column or a time, with two spaces where hexdump -C puts them.
    expect(maskCardText(`0010: ${hex.match(/../g)!.join(' ')}`).text).toBe('0010: 34 31 31 31 31 31 ** ** ** ** ** ** 31 31 31 31');
    expect(maskCardText(`00000010  34 31 31 31 31 31 31 31  31 31 31 31 31 31 31 31  |4111111111111111|`).text).toBe('00000010  34 31 31 31 31 31 ** **  ** ** ** ** 31 31 31 31  |411111******1111|');
    const apdu = '70 12 57 10 41 11 11 11 11 11 11 11 D3 01 21 01 00 00 00 00 0F 90 00';
    const masked = '70 12 57 10 41 11 11 ** ** ** 11 11 D* ** ** ** ** ** ** ** 0F 90 00';
    expect(maskCardText(`0010: ${apdu}`).text).toBe(`0010: ${masked}`);
    expect(maskCardText(`21:17:40.523 ${apdu}`).text).toBe(`21:17:40.523 ${masked}`);
    // Hex of other text, and a decimal number that happens to be long, stay.
    const other = Buffer.from('TOTAL 123.45 EUR 2026-11-27 10:11:12 TID 41234567').toString('hex');
    expect(maskCardText(other).text).toBe(other);
    expect(maskCardText('20261127160004123456789012345678').text).toBe('20261127160004123456789012345678');
  });

  // After other bytes than digits: a digit right before a PAN makes a longer number, which is left
  // alone as one written in decimal is (a window of it would garble every long number).
  // The decimal rules may mask more of a dump that is all digits (hex of digits is digits): the
  // PAN's middle pairs must be masked whatever else is.
  it('masks the middle digits of a scheme PAN in a hex dump of its ASCII digits (property)', () => {
    fc.assert(
      fc.property(schemePan, fc.constantFrom(' ', ':', '', '  '), fc.boolean(), fc.stringMatching(/^([4-7][0-9a-f]){0,8}$/), (pan, gap, upper, before) => {
        const head = before.match(/../g) ?? [];
        const digits = Buffer.from(pan).toString('hex').match(/../g)!;
        const write = (pairs: string[]) => `${pairs.map((p) => (upper ? p.toUpperCase() : p)).join(gap)} x`;
        const text = write([...head, ...digits]);
        const masked = maskCardText(text).text;
        expect(masked).toHaveLength(text.length);
        const at = (i: number) => (head.length + i) * (2 + gap.length);
        for (let i = 6; i < digits.length - 4; i++) expect(masked.slice(at(i), at(i) + 2)).toBe('**');
      }),
    );
  });

  it('masks a number written whole after a card label even when it fails Luhn: a misread card on a receipt', () => {
    for (const [text, masked] of [
      ['CARD 4111111111111112', 'CARD 411111******1112'],
      ['Karte: 4111111111111112', 'Karte: 411111******1112'],
      ['pan=5500000000000004 ok', 'pan=550000******0004 ok'],
      ['card no. 4111111111111112', 'card no. 411111******1112'],
    ]) {
      expect(maskCardText(text!).text).toBe(masked);
    }
    // No label, no scheme digit, or a label inside another word: left as written.
    for (const text of ['4111111111111112', 'CARD 1234567890123456', 'SCARD 4111111111111112', 'CARD 4111 1111 1111 1112 12/27']) expect(maskCardText(text).text).toBe(text);
  });

  it('masks the PANs MII 2 holds (Mir 2200-2204, Mastercard 2221-2720), and leaves time stamps that pass Luhn alone', () => {
    expect(maskCardText('mir 2200123456789019 mc 2221000000000009').text).toBe('mir 220012******9019 mc 222100******0009');
    for (const text of ['at 20261127160004', 'at 20261127160003003', '2026 1127 1600 0300 3']) expect(maskCardText(text)).toEqual({ text, spans: [] });
  });

  it("leaves an ECR message's fields and a host and port alone, though they may add up to a Luhn-valid number", () => {
    expect(maskCardText('\x02P\x1c250\x1c978\x1c123456\x1c0040\x03').text).toBe('\x02P\x1c250\x1c978\x1c123456\x1c0040\x03');
    expect(maskCardText('connected to 10.254.113.201:41237').text).toBe('connected to 10.254.113.201:41237');
  });

  it('leaves numbers that are not card numbers alone', () => {
    for (const text of ['order 1234567890123 ts 1732400000000', 'TXN-000001 2026-11-25 17:43:07', '4111111111111112', 'EUR 12.50']) {
      expect(maskCardText(text)).toEqual({ text, spans: [] });
    }
  });

  it('leaves no scheme PAN behind, keeps the length and changes only what it lists (property)', () => {
    fc.assert(
      fc.property(schemePan, fc.string(), fc.string(), (pan, before, after) => {
        const text = `${before} ${pan} ${after}`;
        const { text: out, spans } = maskCardText(text);
        expect(out).toHaveLength(text.length);
        expect(out).not.toContain(pan);
        const listed = new Set(spans.flatMap((s) => Array.from({ length: s.length }, (_, i) => s.at + i)));
        for (let i = 0; i < text.length; i++) if (!listed.has(i)) expect(out[i]).toBe(text[i]);
      }),
    );
  });
});

describe('maskCardText on text as it is printed', () => {
  const fullWidth = (digits: string) => digits.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
  const arabicIndic = (digits: string) => digits.replace(/[0-9]/g, (d) => String.fromCharCode(0x660 + Number(d)));

  it('masks a PAN in the digits of another script, keeping those it may show', () => {
    expect(maskCardText(fullWidth('4111111111111111')).text).toBe(`${fullWidth('411111')}******${fullWidth('1111')}`);
    expect(maskCardText(`卡号 ${fullWidth('4111')}\u3000${fullWidth('1111')}\u3000${fullWidth('1111')}\u3000${fullWidth('1111')}`).text).toBe(
      `卡号 ${fullWidth('4111')}\u3000${fullWidth('11')}**\u3000****\u3000${fullWidth('1111')}`,
    );
    expect(maskCardText(`بطاقة ${arabicIndic('5555555555554444')}`).text).toBe(`بطاقة ${arabicIndic('555555')}******${arabicIndic('4444')}`);
  });

  it('masks a PAN split by characters that show nothing, leaving them where they were', () => {
    expect(maskCardText('4111\u200b1111\u200b1111\u200b1111').text).toBe('4111\u200b11**\u200b****\u200b1111');
    expect(maskCardText([...'4111111111111111'].join('\u00ad')).text).toBe([...'411111******1111'].join('\u00ad'));
    expect(maskCardText('card \u200e4111 1111 1111 1111\u200f ok').text).toBe('card \u200e4111 11** **** 1111\u200f ok');
    expect(maskCardText('%B4111\u200b111111111111^TEST/POSHIL^30121010000000000000?').text).toBe('%B4111\u200b11******1111^***********^********************?');
  });

  it('lists exactly the characters it changed', () => {
    const { text, spans } = maskCardText('4111\u200b1111\u200b1111\u200b1111');
    expect(spans).toEqual([
      { at: 7, length: 2, kind: 'pan' },
      { at: 10, length: 4, kind: 'pan' },
    ]);
    expect(text).toHaveLength(19);
  });

  it('leaves no scheme PAN behind however it is printed (property)', () => {
    const scripts = [0x30, 0xff10, 0x660, 0x966, 0xe50];
    const between = fc.constantFrom('', '', '\u200b', '\u200c', '\u2060', '\ufeff', '\u00ad', '\u200e');
    fc.assert(
      fc.property(schemePan, fc.constantFrom(...scripts), fc.array(between, { minLength: 19, maxLength: 19 }), fc.string(), (pan, zero, gaps, after) => {
        const printed = [...pan].map((d, i) => String.fromCharCode(zero + Number(d)) + gaps[i]).join('');
        const text = `paid with ${printed} ${after}`;
        const { text: out, spans } = maskCardText(text);
        expect(out).toHaveLength(text.length);
        expect((readAsPrinted(out)?.text ?? out).replace(/[^0-9*]/g, '')).not.toContain(pan);
        const listed = new Set(spans.flatMap((s) => Array.from({ length: s.length }, (_, i) => s.at + i)));
        for (let i = 0; i < text.length; i++) if (!listed.has(i)) expect(out[i]).toBe(text[i]);
      }),
    );
  });

  it('reads every decimal digit, space, dash and invisible character of the Basic Multilingual Plane as this Node does', () => {
    for (let c = 0xa1; c <= 0xffff; c++) {
      const char = String.fromCharCode(c);
      const read = readAsPrinted(char)?.text;
      if (/\p{Nd}/u.test(char)) {
        let zero = c;
        while (/\p{Nd}/u.test(String.fromCharCode(zero - 1))) zero--;
        expect(read, c.toString(16)).toBe(String(c - zero));
      } else if (/\p{Cf}/u.test(char)) expect(read, c.toString(16)).toBe('');
      else if (/[\p{Zs}\p{Pd}]/u.test(char)) expect(read, c.toString(16)).toBe(' ');
    }
  });

  it('leaves text with nothing to read differently as it is', () => {
    expect(readAsPrinted('TXN-000001 EUR 12.50 \u00a0 café')).toBeUndefined();
    expect(maskCardText(`订单 ${fullWidth('20261127')} 金额 ${fullWidth('1250')}`).spans).toEqual([]);
  });
});

describe('ByteMasker', () => {
  it('masks a BCD PAN with E nibbles and BCD track 2 equivalent data up to its padding', () => {
    const pan = new ByteMasker(Uint8Array.from(Buffer.from('4111111111111111', 'hex')));
    pan.bcd(0, 8, 'pan', 'test');
    expect(Buffer.from(pan.bytes).toString('hex')).toBe('411111eeeeee1111');
    const track = new ByteMasker(Uint8Array.from(Buffer.from('4111111111111111d30121010000f0', 'hex')));
    track.bcd(0, 15, 'track2', 'test');
    expect(Buffer.from(track.bytes).toString('hex')).toBe('411111eeeeee1111deeeeeeeeeeef0');
  });

  it('masks a BCD PAN of an odd number of digits, padded with F, in bytes of no known format', () => {
    const masker = new ByteMasker(Uint8Array.from(Buffer.from('00378282246310005f90', 'hex')));
    maskUnknownBytes(masker);
    expect(Buffer.from(masker.bytes).toString('hex')).toBe('00378282eeeee0005f90');
  });

  it('finds card data in printable runs and BCD runs of bytes of no known format', () => {
    const bytes = Uint8Array.from([0x01, ...Buffer.from('PAN 4111111111111111'), 0x00, 0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0xff]);
    const masker = new ByteMasker(Uint8Array.from(bytes));
    maskUnknownBytes(masker);
    expect(Buffer.from(masker.bytes).toString('latin1')).toContain('PAN 411111******1111');
    expect(Buffer.from(masker.bytes.subarray(22, 30)).toString('hex')).toBe('411111eeeeee1111');
    expect(masker.bytes).toHaveLength(bytes.length);
  });
});
