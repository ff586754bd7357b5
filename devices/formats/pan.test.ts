import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import luhn from 'luhn';
import { luhnCheckDigit, luhnValid } from './luhn.js';
import { containsCardData, isMaskedPan, maskPan, redactCardData } from './pan.js';

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

describe('maskPan / redactCardData', () => {
  it('keeps at most the first six and last four digits', () => {
    expect(maskPan('4111111111111111')).toBe('411111******1111');
    expect(maskPan('378282246310005')).toBe('378282*****0005');
    expect(isMaskedPan('411111******1111')).toBe(true);
    expect(isMaskedPan('4111111111111111')).toBe(false);
  });

  it('removes tracks and masks Luhn-valid PANs in free text', () => {
    const swipe = '{"track":"%B4111111111111111^TEST/POSHIL^30121010000000000000?;4111111111111111=30121010000000000000?"}';
    const redacted = redactCardData(swipe);
    expect(redacted).not.toContain('4111111111111111');
    expect(redacted).not.toContain('3012101');
    expect(redacted).toContain('411111******1111');
    expect(redactCardData('pan 5555555555554444 and 57 tag 4111111111111111D30121010000F')).toBe('pan 555555******4444 and 57 tag 411111******1111=[TRACK2 REDACTED]');
    expect(redactCardData('order 1234567890123 ts 1732400000000')).toBe('order 1234567890123 ts 1732400000000');
    expect(containsCardData('nothing here')).toBe(false);
  });

  it('leaves no Luhn-valid 13-19 digit run behind (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12,18}$/), fc.string(), (body, noise) => {
        const pan = body + luhnCheckDigit(body);
        const out = redactCardData(`${noise} ${pan} ${noise}`);
        expect(out).not.toContain(pan);
      }),
    );
  });
});
