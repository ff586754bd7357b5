import { describe, expect, it } from 'vitest';
import { ReceiptEncoder } from '../../devices/formats/escpos-encode.js';
import { uncheckedProperties, uncheckedWarningsOf } from './unchecked.js';

describe('checked properties the answer lacks', () => {
  it('names a misspelt property, which JSON Schema lets pass', () => {
    const schema = { properties: { aproved: { const: true }, amount: { type: 'integer' } } };
    expect(uncheckedProperties(schema, { approved: true, amount: 5 })).toEqual(['/aproved']);
    expect(uncheckedWarningsOf(schema)({ approved: true, amount: 5 }, 'result')).toEqual([
      '/aproved is checked, but the result has no such property (it has: approved, amount); the check passed without looking',
    ]);
  });

  it('says nothing of required properties (ajv already failed the step), checks of nothing, or a `false` that asks for absence', () => {
    const schema = { required: ['a'], properties: { a: { const: 1 }, b: {}, c: true, d: { description: 'kept for the reader' }, e: false } };
    expect(uncheckedProperties(schema, {})).toEqual([]);
  });

  it('counts what an allOf part beside requires, and leaves out checks that ask for absence or nothing', () => {
    expect(uncheckedProperties({ allOf: [{ required: ['a'] }, { properties: { a: { const: 1 } } }] }, {})).toEqual([]);
    expect(uncheckedProperties({ required: ['a'], allOf: [{ properties: { a: { const: 1 } } }] }, {})).toEqual([]);
    expect(uncheckedProperties({ properties: { pan: { not: {} }, code: { luhn: false }, real: { luhn: true } } }, {})).toEqual(['/real']);
  });

  it('follows present objects, allOf and array items, and names an index as *', () => {
    const schema = {
      allOf: [{ properties: { top: { type: 'string' } } }],
      properties: {
        host: { properties: { rc: { const: '00' } } },
        lines: { items: { properties: { text: { type: 'string' } } } },
        'a/b': { const: 1 },
      },
    };
    const found = uncheckedProperties(schema, { host: {}, lines: [{ text: 'x' }, {}, {}] });
    expect(found.sort()).toEqual(['/a~1b', '/host/rc', '/lines/*/text', '/top']);
  });

  it('does not look inside branches, files or a value that is not an object', () => {
    const schema = { anyOf: [{ properties: { a: { const: 1 } } }], oneOf: [{ properties: { b: { const: 1 } } }], $ref: 'shared.json', properties: { c: { properties: { d: { const: 1 } } } } };
    expect(uncheckedProperties(schema, { c: 'text' })).toEqual([]);
    expect(uncheckedProperties({ properties: { a: { const: 1 } } }, ['a'])).toEqual([]);
  });

  it('lists at most eight of the properties there are', () => {
    const value = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    expect(uncheckedWarningsOf({ properties: { x: { const: 1 } } })(value, 'event')[0]).toContain('(it has: k0, k1, k2, k3, k4, k5, k6, k7, …)');
  });

  it('looks into the receipt that `receipt:` checks, as the keyword decodes it', () => {
    const escpos = new ReceiptEncoder().initialise().line('TOTAL EUR 12.50').cut('partial').hex();
    const schema = { properties: { escpos: { receipt: { properties: { txt: { pattern: 'TOTAL' }, text: { pattern: 'TOTAL' } } } } } };
    expect(uncheckedWarningsOf(schema)({ escpos }, 'event')).toEqual([expect.stringMatching(/^\/escpos, receipt \/txt is checked, but the receipt has no such property \(it has: [^)]*text[^)]*\)/)]);
    expect(uncheckedProperties({ properties: { escpos: { receipt: { properties: { txt: { pattern: 'x' } } } } } }, { escpos: 'not hex' })).toEqual([]);
  });
});
