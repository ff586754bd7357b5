import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS, STIMULI, VERBS } from './catalogue.js';

describe('catalogue', () => {
  it('lists the same verbs, events and stimuli as the suite JSON Schema that editors complete from', () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../harness/config/schemas/suite.schema.json'), 'utf8')) as {
      definitions: { step: { allOf: { if: { required: string[] }; then: { properties: Record<string, { enum?: string[] }> } }[] } };
    };
    const enumOf = (kind: string) => schema.definitions.step.allOf.find((b) => b.if.required[0] === kind)!.then.properties[kind]!.enum;
    expect(enumOf('do')).toEqual([...VERBS]);
    expect(enumOf('await')).toEqual([...EVENTS]);
    expect(enumOf('absent')).toEqual([...EVENTS]);
    expect(enumOf('stimulus')).toEqual([...STIMULI]);
  });
});
