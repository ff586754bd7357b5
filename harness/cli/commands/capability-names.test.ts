import { describe, expect, it } from 'vitest';
import type { Suite } from '../../config/types.js';
import { unknownCapabilityNotes } from './capability-names.js';

const suite = (cases: [string, string[]][]) => ({ id: 's', cases: cases.map(([id, requires]) => ({ id, requires })) }) as unknown as Suite;

describe('unknownCapabilityNotes', () => {
  it('names a capability no terminal reports, with the one meant, once for all the cases that require it', () => {
    expect(unknownCapabilityNotes([suite([['a', ['magstipe']], ['b', ['magstipe', 'qr']], ['c', ['printer']]])], [])).toEqual([
      'note: s/a, s/b require "magstipe", a capability poshil does not know and the profile does not declare (did you mean "magstripe"?): SKIPPED unless the terminal reports it',
    ]);
  });

  it("takes the profile's own capabilities as known", () => {
    expect(unknownCapabilityNotes([suite([['a', ['contactless-tap']]])], ['contactless-tap'])).toEqual([]);
    expect(unknownCapabilityNotes([suite([['a', ['contactless-tap']]])], [])[0]).toMatch(/"contactless-tap", a capability poshil does not know and the profile does not declare: SKIPPED/);
  });
});
