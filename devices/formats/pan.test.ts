import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import luhn from 'luhn';
import { luhnCheckDigit, luhnValid } from './luhn.js';
import { isMaskedPan, maskPan } from './pan.js';

describe('luhn', () => {
  it('accepts the DOMAIN.md valid numbers and rejects the invalid one', () => {
    for (const pan of ['4111111111111111', '5555555555554444', '378282246310005', '79927398713']) expect(luhnValid(pan)).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnCheckDigit('411111111111111')).toBe('1');
  });

  it('agrees with the luhn package on any digit string', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{7,18}$/), (digits) => {
        expect(luhnValid(digits)).toBe(luhn.validate(digits));
      }),
    );
  });
});

describe('maskPan', () => {
  it('keeps at most the first six and last four digits', () => {
    expect(maskPan('4111111111111111')).toBe('411111******1111');
    expect(maskPan('378282246310005')).toBe('378282*****0005');
    expect(isMaskedPan('411111******1111')).toBe(true);
    expect(isMaskedPan('4111111111111111')).toBe(false);
  });

  it('keeps a digit masked already in its place: a ZVT terminal\'s BCD filler E, or *', () => {
    expect(maskPan('555555EEEEEE4444')).toBe('555555******4444');
    expect(maskPan('411111******1111')).toBe('411111******1111');
    // A terminal that masked too little is masked again: no more than six and four.
    expect(maskPan('4111111111**1111')).toBe('411111******1111');
  });
});
