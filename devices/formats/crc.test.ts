import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc16ccitt, crc16kermit } from 'crc';
import { crc16CcittFalse, crc16Kermit } from './crc.js';

const check = new TextEncoder().encode('123456789');

describe('crc16', () => {
  it('matches the catalogue check values', () => {
    expect(crc16CcittFalse(check)).toBe(0x29b1);
    expect(crc16Kermit(check)).toBe(0x2189);
  });

  it('agrees with the crc package on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc16CcittFalse(bytes)).toBe(crc16ccitt(Buffer.from(bytes)));
        expect(crc16Kermit(bytes)).toBe(crc16kermit(Buffer.from(bytes)));
      }),
    );
  });
});
