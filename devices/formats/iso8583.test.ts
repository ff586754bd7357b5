import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeIso8583, describeIso8583, encodeIso8583, type Iso8583Message } from './iso8583.js';

describe('ISO 8583 (poshil dialect)', () => {
  it('encodes the DOMAIN.md request and decodes a 0210 with response code 05', () => {
    expect(encodeIso8583({ mti: '0200', fields: { 2: '1234567890' } })).toBe('0200400000000000000010' + '1234567890');
    const response = encodeIso8583({ mti: '0210', fields: { 39: '05' } });
    expect(response).toBe('0210' + '0000000002000000' + '05');
    expect(decodeIso8583(response)).toEqual({ ok: true, value: { mti: '0210', fields: { 39: '05' } } });
  });

  it('uses a secondary bitmap for field 90', () => {
    const text = encodeIso8583({ mti: '0400', fields: { 11: '000042', 90: '0200000042'.padEnd(42, '0') } });
    expect(text.slice(4, 20)).toBe('8020000000000000');
    expect(text.slice(20, 36)).toBe('0000004000000000');
    expect(decodeIso8583(text)).toMatchObject({ ok: true, value: { fields: { 90: expect.any(String) } } });
  });

  const message = fc.record({
    mti: fc.constantFrom('0100', '0110', '0200', '0210', '0400', '0410'),
    fields: fc.record(
      {
        2: fc.stringMatching(/^\d{12,19}$/),
        3: fc.stringMatching(/^\d{6}$/),
        4: fc.stringMatching(/^\d{12}$/),
        11: fc.stringMatching(/^\d{6}$/),
        35: fc.stringMatching(/^\d{12,19}=\d{4,17}$/),
        38: fc.stringMatching(/^[0-9A-Z]{6}$/),
        39: fc.stringMatching(/^\d\d$/),
        41: fc.stringMatching(/^[A-Z0-9]{8}$/),
        49: fc.stringMatching(/^\d{3}$/),
        90: fc.stringMatching(/^\d{42}$/),
      },
      { requiredKeys: [], noNullPrototype: true },
    ),
  }) as fc.Arbitrary<Iso8583Message>;

  it('round-trips any message (property)', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeIso8583(encodeIso8583(m))).toEqual({ ok: true, value: m });
      }),
    );
  });

  it('gives a typed error, never a throw, for every truncation (property)', () => {
    fc.assert(
      fc.property(message, (m) => {
        const text = encodeIso8583(m);
        for (let cut = 0; cut < text.length; cut++) expect(decodeIso8583(text.slice(0, cut)).ok).toBe(false);
      }),
    );
  });

  it('masks the PAN and removes track 2 when describing', () => {
    const described = describeIso8583({ mti: '0200', fields: { 2: '4111111111111111', 35: '4111111111111111=3012101' } });
    expect(JSON.stringify(described)).not.toContain('4111111111111111');
    expect(described.fields[0]).toEqual({ number: 2, name: 'Primary account number', value: '411111******1111' });
  });
});
