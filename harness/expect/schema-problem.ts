/**
 * ajv's words for a broken expectation, said of the suite: its `data/properties/x` is the
 * expectation's own pointer (`/cases/0/steps/2/expect/properties/x`), and an unknown keyword
 * (strict mode refuses them, so that a typo cannot pass silently) comes with the keyword it most
 * likely meant.
 */
import { closest } from '../core/spelling.js';

/** Draft-07's keywords and poshil's payment keywords: what a misspelt keyword is compared with. */
const KEYWORDS = [
  '$id', '$schema', '$ref', '$comment', 'title', 'description', 'default', 'readOnly', 'writeOnly', 'examples',
  'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'additionalItems', 'items', 'maxItems', 'minItems', 'uniqueItems', 'contains', 'maxProperties', 'minProperties',
  'required', 'additionalProperties', 'definitions', 'properties', 'patternProperties', 'dependencies', 'propertyNames',
  'const', 'enum', 'type', 'format', 'contentMediaType', 'contentEncoding', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf', 'not',
  'luhn', 'maskedPan', 'noCardNumber', 'track2', 'emvQr', 'receipt',
];

export function schemaProblem(message: string, pointer: string): string {
  const said = message.replace(/(^|: |, )data(?=[/ ])/g, (_, before: string) => `${before}${pointer}`);
  const unknown = /unknown keyword: "([^"]+)"/.exec(said)?.[1];
  const meant = unknown === undefined ? undefined : closest(unknown, KEYWORDS);
  return meant ? `${said} (did you mean "${meant}"?)` : said;
}
