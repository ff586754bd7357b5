import { describe, expect, it } from 'vitest';
import berTlv from 'ber-tlv';
import { parseTlv } from './tlv.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));

describe('parseTlv', () => {
  it('parses the DOMAIN.md example with names, masking the PAN', () => {
    const parsed = parseTlv(hex('9F0206000000001000 5A084111111111111111 5F2A020978'));
    expect(parsed).toEqual({
      ok: true,
      value: [
        { tag: '9F02', name: 'Amount, Authorised', length: 6, value: '000000001000' },
        { tag: '5A', name: 'Application PAN', length: 8, value: '411111******1111' },
        { tag: '5F2A', name: 'Transaction Currency Code', length: 2, value: '0978' },
      ],
    });
  });

  it('agrees with ber-tlv on tags, lengths and nesting, including long-form lengths', () => {
    // 6F (135 bytes, long form) holding 84 (2 bytes) and A5 (128 bytes, long form) holding 50 (126 bytes).
    const data = `6F 8187 84 02 A000 A5 8180 50 7E ${'41'.repeat(126)}`;
    const ours = parseTlv(hex(data));
    const theirs = (berTlv as { TlvFactory: { parse(h: string): { tag: string; items: { tag: string }[] }[] } }).TlvFactory.parse(data.replace(/ /g, ''));
    expect(ours.ok && ours.value[0]!.tag).toBe(theirs[0]!.tag);
    expect(ours.ok && ours.value[0]!.children!.map((c) => c.tag)).toEqual(theirs[0]!.items.map((i) => i.tag));
    expect(ours.ok && ours.value[0]!.children![1]!.length).toBe(128);
  });

  it('reports a truncated value with its offset', () => {
    expect(parseTlv(hex('9F0206000000'))).toMatchObject({ ok: false, error: { code: 'TRUNCATED', offset: 3 } });
  });
});
