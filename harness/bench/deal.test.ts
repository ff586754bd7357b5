import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { checkInterchangeable, dealCases } from './deal.js';

describe('dealCases', () => {
  it('deals round robin in case order', () => {
    expect(Object.fromEntries(dealCases(['s/a', 's/b', 's/c', 't/d', 't/e'], ['x', 'y']))).toEqual({ x: ['s/a', 's/c', 't/e'], y: ['s/b', 't/d'] });
  });

  it('leaves a device with nothing when there are fewer cases than devices', () => {
    expect(Object.fromEntries(dealCases(['s/a'], ['x', 'y', 'z']))).toEqual({ x: ['s/a'], y: [], z: [] });
  });

  it('loses no case and deals none twice, and no hand is more than one larger than another', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), (cases, n) => {
        const devices = Array.from({ length: n }, (_, i) => `d${i}`);
        const hands = [...dealCases(cases, devices).values()];
        expect(hands.flat().sort()).toEqual([...cases].sort());
        const sizes = hands.map((h) => h.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('checkInterchangeable', () => {
  it('accepts devices of one protocol and capability set, in any order', () => {
    expect(() => checkInterchangeable([{ name: 'a', protocol: 'bench', capabilities: ['qr', 'printer'] }, { name: 'b', protocol: 'bench', capabilities: ['printer', 'qr'] }])).not.toThrow();
  });
  it('refuses a mix with exit 2 naming both devices', () => {
    try {
      checkInterchangeable([{ name: 'a', protocol: 'bench', capabilities: [] }, { name: 'z', protocol: 'zvt', capabilities: [] }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toMatch(/a is bench.*z is zvt/);
    }
  });
});
