import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { plainJson } from './plain-json.js';

describe('plainJson', () => {
  it('reads any JSON document as the YAML parser does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const read = plainJson(text);
        if (/^\s*[[{]/.test(text)) expect(read).toEqual({ ok: true, value: parse(text) });
        else expect(read.ok).toBe(false);
      }),
    );
  });

  it('leaves a key given twice in one object to the YAML parser, at any depth', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.nat(), fc.boolean(), (object, pick, nested) => {
        const keys = Object.keys(object);
        const key = keys[pick % keys.length]!;
        const twice = `{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(object[k])}`).join(', ')}, ${JSON.stringify(key)}: 1}`;
        expect(plainJson(nested ? `{"a": [${twice}]}` : twice).ok).toBe(false);
      }),
    );
  });

  it('allows one key name in sibling and nested objects, and keys that are strings elsewhere', () => {
    expect(plainJson('{"a": {"a": 1}, "b": [{"a": "a"}, {"a": "\\"a\\":"}], "c": "{"}')).toEqual({ ok: true, value: { a: { a: 1 }, b: [{ a: 'a' }, { a: '"a":' }], c: '{' } });
  });

  it('leaves YAML and broken JSON to the YAML parser', () => {
    expect(plainJson('name: x\n').ok).toBe(false);
    expect(plainJson('{"a": 1,}').ok).toBe(false);
    expect(plainJson('{"a": 1} trailing').ok).toBe(false);
  });
});
