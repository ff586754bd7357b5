import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReceiptEncoder } from './escpos-encode.js';
import { maskJsonText, maskJsonValue } from './json-card-data.js';
import { readAsPrinted } from './printed-text.js';
import { groupedPan, schemePan } from './test-support/pans.js';

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

  it('masks a PAN sent as a JSON number with an exponent, in its mantissa', () => {
    expect(maskJsonText('{"pan":4.111111111111111e15}')).toEqual({ text: '{"pan":4.11111******1111e15}', spans: [{ at: 14, length: 6, kind: 'pan', where: 'number' }] });
    expect(maskJsonText('{"n":-5.555555555554444E+15,"m":1.5e3}').text).toBe('{"n":-5.55555******4444E+15,"m":1.5e3}');
    // As printf writes it (a zero after the last digit), and with more than one digit before the point.
    expect(maskJsonText('{"n":3.782822463100050e+14}').text).toBe('{"n":3.78282*****00050e+14}');
    expect(maskJsonText('{"n":41.11111111111111e14}').text).toBe('{"n":41.1111******1111e14}');
    // Not a whole number of 13 to 19 digits, or not Luhn-valid: left as written.
    for (const line of ['{"n":4.111111111111111e14}', '{"n":4.111111111111112e15}', '{"n":4.111111111111111e25}']) expect(maskJsonText(line).text).toBe(line);
  });

  it('masks a PAN written with JSON escapes without changing the length', () => {
    const line = '{"text":"card \\u0034111111111111111 end"}';
    const masked = maskJsonText(line);
    expect(masked.text).toHaveLength(line.length);
    expect(masked.text).toBe('{"text":"card \\u003411111******1111 end"}');
  });

  it('masks a PAN printed in groups, and one spelt in \\u escapes, inside a JSON line', () => {
    expect(maskJsonText('{"event":"display.text","data":{"text":"CARD 4111 1111 1111 1111"}}').text).toBe('{"event":"display.text","data":{"text":"CARD 4111 11** **** 1111"}}');
    expect(maskJsonText('{"t":"3782-822463-10005"}').text).toBe('{"t":"3782-82****-*0005"}');
    const escaped = `{"t":"${[...'4111111111111111'].map((d) => `\\u00${d.charCodeAt(0).toString(16)}`).join('')}"}`;
    const masked = maskJsonText(escaped);
    // Each masked digit's escape becomes six asterisks: the line keeps its length.
    expect(masked.text).toHaveLength(escaped.length);
    expect(JSON.parse(masked.text).t).toBe(`411111${'*'.repeat(36)}1111`);
  });

  it('masks a TLV card-data field of a few bytes, which no quick test of digits or length finds', () => {
    // 9F20 (track 2 discretionary data) is masked whole, whatever its length.
    expect(maskJsonText('{"emvHex":"9F20024A4B"}').text).toBe('{"emvHex":"9F20022A2A"}');
    expect(maskJsonValue({ emvHex: '9F20024A4B' })).toEqual({ emvHex: '9F20022A2A' });
  });

  it('masks a field named for a card number even when the number fails Luhn, and only such a field', () => {
    const line = '{"event":"card.read","data":{"pan":"4111111111111112","cardNumber":"5500000000000005","note":"4111111111111112"}}';
    const masked = maskJsonText(line);
    expect(masked.text).toBe('{"event":"card.read","data":{"pan":"411111******1112","cardNumber":"550000******0005","note":"4111111111111112"}}');
    expect(masked.spans.map((s) => [s.kind, s.where])).toEqual([['pan', '"pan"'], ['pan', '"cardNumber"']]);
    expect(maskJsonValue({ card_number: '4111111111111112', amount: '1234567890123456' })).toEqual({ card_number: '411111******1112', amount: '1234567890123456' });
  });

  it('masks a PAN a display shows in full-width digits or split by zero-width spaces, sent as they are or as \\u escapes', () => {
    const fullWidth = '４１１１１１１１１１１１１１１１';
    for (const [text, shown] of [
      [`卡号 ${fullWidth}`, '卡号 ４１１１１１******１１１１'],
      ['4111\u200b1111\u200b1111\u200b1111', '4111\u200b11**\u200b****\u200b1111'],
    ] as const) {
      const line = JSON.stringify({ event: 'display.text', data: { text } });
      expect(JSON.parse(maskJsonText(line).text).data.text).toBe(shown);
      // Escaped, each masked escape becomes as many stars as it had characters (the line keeps its length).
      const escaped = line.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      const masked = maskJsonText(escaped);
      expect(masked.text).toHaveLength(escaped.length);
      const decoded = JSON.parse(masked.text).data.text as string;
      expect(decoded).toContain('*');
      expect(readAsPrinted(decoded)?.text ?? decoded).not.toMatch(/1111 ?1111 ?1111/);
    }
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

describe('maskJsonText and grouped PANs', () => {
  it('leaves no PAN printed in groups in a JSON line, escaped or not (property)', () => {
    fc.assert(
      fc.property(groupedPan, fc.string({ maxLength: 20 }), fc.boolean(), ({ printed }, noise, escape) => {
        const text = `${noise} ${printed} ${noise}`;
        const line = escape ? JSON.stringify({ text }).replace(/\\u[0-9a-f]{4}|[0-9]/g, (d) => (d.length > 1 ? d : `\\u00${d.charCodeAt(0).toString(16)}`)) : JSON.stringify({ text });
        const masked = maskJsonText(line);
        expect(masked.text).toHaveLength(line.length);
        expect(JSON.parse(masked.text).text).not.toContain(printed);
      }),
    );
  });
});

describe('maskJsonText and wrapped lines', () => {
  it("masks a card number split over two items of a receipt's lines, and nothing else", () => {
    const line = JSON.stringify({ event: 'printer.output', data: { lines: ['SALE', 'Kartennummer: 4111 1111 1111', '1111', 'TOTAL 12.50'] } });
    const masked = maskJsonText(line);
    expect(masked.text).toHaveLength(line.length);
    expect(JSON.parse(masked.text).data.lines).toEqual(['SALE', 'Kartennummer: 4111 11** ****', '1111', 'TOTAL 12.50']);
    const number = line.indexOf('4111 1111 1111');
    expect(masked.spans).toEqual([
      { at: number + 7, length: 2, kind: 'pan' },
      { at: number + 10, length: 4, kind: 'pan' },
    ]);
    const whole = JSON.stringify({ lines: ['CARD 411111111111', '1111'] });
    expect(JSON.parse(maskJsonText(whole).text).lines).toEqual(['CARD 411111******', '1111']);
    // Neighbours that make no card number are left as they are.
    const plain = JSON.stringify({ lines: ['TID 41234567', '000123'] });
    expect(maskJsonText(plain).text).toBe(plain);
  });

  it('masks the same in a parsed value (records, receipts), and returns an untouched array itself', () => {
    expect(maskJsonValue({ lines: ['SALE', 'Kartennummer: 4111 1111 1111', '1111', 'TOTAL 12.50'] })).toEqual({ lines: ['SALE', 'Kartennummer: 4111 11** ****', '1111', 'TOTAL 12.50'] });
    const plain = { lines: ['TID 41234567', '000123'] };
    expect(maskJsonValue(plain)).toBe(plain);
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

  it('masks inside arrays and nested objects without touching the original, and keeps a "__proto__" key a key', () => {
    const value = JSON.parse('{"lines":["TOTAL","4111 1111 1111 1111"],"n":1,"__proto__":"4111111111111111","deep":{"x":[{"pan":"5555555555554444"}]}}') as Record<string, unknown>;
    const copy = structuredClone(value);
    const masked = maskJsonValue(value);
    expect(value).toEqual(copy);
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
    expect(JSON.stringify(masked)).toBe('{"lines":["TOTAL","4111 11** **** 1111"],"n":1,"__proto__":"411111******1111","deep":{"x":[{"pan":"555555******4444"}]}}');
    expect((masked as { lines: unknown }).lines).not.toBe(value['lines']);
  });
});

describe('hex of no known format', () => {
  const P = '4539148803436467';
  it("masks a card's READ RECORD answer whole: track 1 (56) beside the PAN (5A), with the status word after it", () => {
    const track1 = Buffer.from(`B${P}^DOE/JANE^3012101000`).toString('hex').toUpperCase();
    const record = `70${(10 + 2 + track1.length / 2).toString(16).padStart(2, '0').toUpperCase()}5A08${P}56${(track1.length / 2).toString(16).toUpperCase()}${track1}`;
    const masked = maskJsonValue({ response: `${record}9000` }).response;
    const bytes = Buffer.from(masked, 'hex').toString('latin1');
    expect(masked).toContain('5A08453914EEEEEE6467');
    expect(bytes).not.toContain('DOE/JANE');
    expect(bytes).not.toContain(P);
    expect(masked.endsWith('9000')).toBe(true);
  });

  it('leaves the digits of a hash alone: the text rules do not read hex (a byte-aligned PAN in BCD is the BCD rule\'s)', () => {
    const digest = `a${P}b${'c3'.repeat(23)}`;
    expect(maskJsonValue({ sha256: digest }).sha256).toBe(digest);
  });
});

describe('card numbers in the forms a terminal may write them', () => {
  const P = '4539148803436467';
  const forms: Record<string, [unknown, string]> = {
    'a key': [{ [P]: 'seen' }, '{"453914******6467":"seen"}'],
    // A field named for TLV is parsed as TLV: its BCD stays hex, masked digits the nibble E.
    'EMV 5A in a TLV field': [{ emv: `9F02060000000010005A08${P}5F2A020978` }, '{"emv":"9F02060000000010005A08453914EEEEEE64675F2A020978"}'],
    // Hex of no known format holding 5A or 57 is parsed as TLV when it is TLV, masked by those fields as text when not.
    'EMV 5A in hex of no known format': [{ data: `9F02060000000010005A08${P}5F2A020978` }, '{"data":"9F02060000000010005A08453914EEEEEE64675F2A020978"}'],
    'EMV 5A in hex that is not TLV': [{ data: `FF5A08${P}` }, '{"data":"FF5A08453914******6467"}'],
    'EMV 5A in short hex': [{ log: `tag 5A08${P}` }, '{"log":"tag 5A08453914******6467"}'],
    'EMV 57 in hex': [{ t2: `5713${P}D30121010000000000000F` }, '{"t2":"5713453914EEEEEE6467DEEEEEEEEEEEEEEEEEEEEF"}'],
    'dots': [{ t: 'PAN 4539.1488.0343.6467' }, '{"t":"PAN 4539.14**.****.6467"}'],
    'slashes': [{ t: '4539/1488/0343/6467' }, '{"t":"4539/14**/****/6467"}'],
    'tabs': [{ t: '4539\t1488\t0343\t6467' }, '{"t":"4539\\t14**\\t****\\t6467"}'],
    'no-break spaces': [{ t: '4539\u00a01488\u00a00343\u00a06467' }, '{"t":"4539\u00a014**\u00a0****\u00a06467"}'],
    'base64 without padding': [{ b: Buffer.from(`card ${P}`).toString('base64').replace(/=+$/, '') }, JSON.stringify({ b: Buffer.from('card 453914******6467').toString('base64').replace(/=+$/, '') })],
    'track 1 with a lower-case format code': [{ t: `%b${P}^DOE/JANE^30121010000000000000?` }, '{"t":"%b453914******6467^********^********************?"}'],
    'URL-safe base64': [{ b: Buffer.from(`card ${P}!?>`).toString('base64url') }, JSON.stringify({ b: Buffer.from('card 453914******6467!?>').toString('base64url') })],
    // Inside longer text: a command's output, a log line quoting a payload.
    'base64 inside text': [
      { out: `track2=${Buffer.from(`;${P}=30121010000000000000?`).toString('base64')}\npan ${Buffer.from(P).toString('base64')} ok` },
      JSON.stringify({ out: `track2=${Buffer.from(';453914******6467=********************?').toString('base64')}\npan ${Buffer.from('453914******6467').toString('base64')} ok` }),
    ],
  };
  for (const [name, [value, masked]] of Object.entries(forms)) {
    it(`masks one written as ${name}, parsed and as a raw line alike`, () => {
      expect(JSON.stringify(maskJsonValue(value))).toBe(masked);
      expect(maskJsonText(JSON.stringify(value)).text).toBe(masked);
    });
  }

  it('masks base64 of card text inside longer text whatever is glued before it, and leaves hashes and signatures alone (property)', () => {
    fc.assert(
      fc.property(schemePan, fc.constantFrom('', 'a', 'id/', 'abc'), (pan, glued) => {
        const line = `file ${glued}${Buffer.from(`pan=${pan};`).toString('base64')} done`;
        const masked = maskJsonValue({ out: line }) as { out: string };
        const encoded = masked.out.slice(5 + glued.length, -5);
        expect(masked.out).toHaveLength(line.length);
        expect(Buffer.from(encoded, 'base64').toString('latin1')).not.toContain(pan);
      }),
    );
    // Random bytes (a SHA-256, an Ed25519 signature) read as no text: never rewritten.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 64 }), (bytes) => {
        const line = `sha256-${Buffer.from(bytes).toString('base64')} signed`;
        expect((maskJsonValue({ log: line }) as { log: string }).log).toBe(line);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves numbers that are no card alone: versions, object ids, addresses, dates', () => {
    const clean = { oid: '1.2.840.113549.1.1.11', at: '2026.11.27 10.15.30', ip: '192.168.100.200', date: '12/27/2026', hex: '57A0B1C2D3E4F5', words: 'AbortSignalTimeoutError in transactionCompletedHandler, token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9' };
    expect(maskJsonValue(clean)).toBe(clean);
  });
});
