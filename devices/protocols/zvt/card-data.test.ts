import { describe, expect, it } from 'vitest';
import { encodeApdu } from './apdu.js';
import { encodeFields, toBcd } from './bmp.js';
import { maskZvtApdu } from './card-data.js';
import { zvt } from './messages.js';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('maskZvtApdu', () => {
  it('masks the PAN of BMP 22 with E nibbles, keeping first six and last four', () => {
    const completion = encodeApdu({ cls: 0x04, instr: 0x0f, data: encodeFields([{ tag: 0x27, value: Uint8Array.of(0) }, { tag: 0x04, value: toBcd(1250, 6) }, { tag: 0x22, value: bytes('4111111111111111') }]) });
    const masked = maskZvtApdu(completion);
    expect(toHex(masked.bytes)).toBe(toHex(completion).replace('4111111111111111', '411111EEEEEE1111'));
    expect(masked.spans).toEqual([{ at: expect.any(Number), length: 3, kind: 'pan', where: 'ZVT BMP 22' }]);
    expect(masked.unparsed).toBeUndefined();
  });

  it("reads the status enquiry's Completion (software version, status byte, BMPs) rather than guessing", () => {
    const completion = zvt.statusCompletion('poshil-sim 1.4.2', 0, [{ tag: 0x29, value: toBcd('00000005', 4) }]);
    const masked = maskZvtApdu(completion);
    expect(masked.unparsed).toBeUndefined();
    expect(toHex(masked.bytes)).toBe(toHex(completion));
  });

  it('masks track data whole and EMV objects inside the TLV container', () => {
    const track2 = Buffer.from('4111111111111111=3012101');
    const tlv = bytes('5A084111111111111111');
    const apdu = encodeApdu({ cls: 0x06, instr: 0x0f, data: encodeFields([{ tag: 0x23, value: Uint8Array.from(track2) }, { tag: 0x06, value: tlv }]) });
    const masked = maskZvtApdu(apdu);
    expect(masked.bytes).toHaveLength(apdu.length);
    expect(Buffer.from(masked.bytes).toString('latin1')).toContain('*'.repeat(track2.length));
    expect(toHex(masked.bytes)).toContain('5A08411111EEEEEE1111');
  });

  it('masks a card number in a print line, keeps the attribute byte', () => {
    const line = encodeApdu({ cls: 0x06, instr: 0xd1, data: Uint8Array.from([0x00, ...Buffer.from('CARD 5555555555554444')]) });
    const masked = maskZvtApdu(line);
    expect(Buffer.from(masked.bytes.subarray(4)).toString('latin1')).toBe('CARD 555555******4444');
    expect(masked.bytes[3]).toBe(0);
  });

  it('leaves acknowledgements and commands without card data byte for byte', () => {
    for (const apdu of [bytes('800000'), bytes('06'), bytes('06010a04000000001000490978')]) {
      const masked = maskZvtApdu(apdu);
      expect(toHex(masked.bytes)).toBe(toHex(apdu));
      expect(masked.spans).toEqual([]);
    }
  });

  it('says when a frame is not a whole APDU and still masks what it can', () => {
    const masked = maskZvtApdu(Uint8Array.from([0x06, 0xd1, 0x40, ...Buffer.from('PAN 4111111111111111')]));
    expect(masked.unparsed).toBe('not a whole ZVT APDU');
    expect(Buffer.from(masked.bytes).toString('latin1')).toContain('411111******1111');
  });
});
