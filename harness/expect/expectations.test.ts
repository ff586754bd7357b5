import { existsSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { inputError } from '../core/test-support/thrown.js';
import { EXPECTATION_AJV_OPTIONS, Expectations, metaSchemaValidatorPath } from './expectations.js';
import { addPaymentKeywords } from './payment-keywords.js';
import { schemaProblem } from './schema-problem.js';

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
  ])('refuses %j in the words ajv would, said of the suite', (schema) => {
    const verdict = ajvVerdict(schema);
    expect(verdict).toBeDefined();
    const error = inputError(() => new Expectations().compile(schema, origin));
    expect(error.message).toBe(`the expectation is not a valid JSON Schema: ${schemaProblem(verdict!, origin.pointer)}`);
  });

  it('names the place in the suite, and the keyword a misspelt one most likely meant', () => {
    expect(inputError(() => new Expectations().compile({ properties: { model: { minLength: '3' } } }, origin)).message).toBe(
      'the expectation is not a valid JSON Schema: schema is invalid: /cases/0/steps/0/expect/properties/model/minLength must be integer',
    );
    expect(inputError(() => new Expectations().compile({ requried: ['model'] }, origin)).message).toBe('the expectation is not a valid JSON Schema: strict mode: unknown keyword: "requried" (did you mean "required"?)');
    expect(inputError(() => new Expectations().compile({ maskedpan: true }, origin)).message).toContain('(did you mean "maskedPan"?)');
    expect(inputError(() => new Expectations().compile({ colour: 'red' }, origin)).message).toBe('the expectation is not a valid JSON Schema: strict mode: unknown keyword: "colour"');
  });

  it.each([{ type: 'object', required: ['state'], properties: { state: { const: 'idle' } } }, { pattern: '^a', format: 'date-time' }, { receipt: { properties: { text: { pattern: 'TOTAL' } } } }, true])(
    'compiles the valid %j',
    (schema) => {
      expect(ajvVerdict(schema as object)).toBeUndefined();
      expect(new Expectations().compile(schema, origin).schema).toBe(schema);
    },
  );
});
