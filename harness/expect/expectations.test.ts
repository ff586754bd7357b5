import { existsSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { inputError } from '../core/test-support/thrown.js';
import { EXPECTATION_AJV_OPTIONS, Expectations, metaSchemaValidatorPath } from './expectations.js';
import { addPaymentKeywords } from './payment-keywords.js';

/** What ajv says of a schema when it checks it against the meta-schema itself. */
function ajvVerdict(schema: object): string | undefined {
  const ajv = new Ajv(EXPECTATION_AJV_OPTIONS);
  addFormats.default(ajv);
  addPaymentKeywords(ajv);
  try {
    ajv.compile(schema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const origin = { file: 'x.suite.yaml', baseDir: '/', pointer: '/cases/0/steps/0/expect' };

describe('Expectations', () => {
  it('checks schemas against the meta-schema validator npm run build made', () => {
    expect(existsSync(metaSchemaValidatorPath())).toBe(true);
  });

  it.each([
    { type: 'strin' },
    { type: 'object', required: 'state' },
    { properties: { a: { minLength: -1 } } },
    { pattern: 7 },
    { properties: { a: { pattern: '(' } } },
    { items: [{ type: 'string' }, { enum: 'x' }] },
    { anyOf: [] },
    { properties: { a: { type: ['string', 'nubmer'] } }, additionalProperties: 'no' },
    { receipt: { properties: { lines: { minItems: 'two' } } } },
    { $ref: '#/definitions/x', definitions: { x: { maximum: '10' } } },
  ])('refuses %j in the words ajv would', (schema) => {
    const verdict = ajvVerdict(schema);
    expect(verdict).toBeDefined();
    const error = inputError(() => new Expectations().compile(schema, origin));
    expect(error.message).toBe(`the expectation is not a valid JSON Schema: ${verdict}`);
  });

  it.each([{ type: 'object', required: ['state'], properties: { state: { const: 'idle' } } }, { pattern: '^a', format: 'date-time' }, { receipt: { properties: { text: { pattern: 'TOTAL' } } } }, true])(
    'compiles the valid %j',
    (schema) => {
      expect(ajvVerdict(schema as object)).toBeUndefined();
      expect(new Expectations().compile(schema, origin).schema).toBe(schema);
    },
  );
});
