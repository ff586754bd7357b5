/**
 * Payment keywords for expectations, usable in any suite schema:
 * - `luhn: true` — a string of digits passing the Luhn check;
 * - `maskedPan: true` — a PAN masked per PCI (at most first six and last four digits clear),
 *   and never a full PAN;
 * - `track2: true` — valid ISO 7813 track 2 data (sentinels, Luhn, expiry, service code, LRC if present);
 * - `emvQr: true` — an EMV merchant-presented QR payload with a correct CRC;
 * - `noCardNumber: true` — text with no full card number and no track data in it (what a receipt
 *   line, a display or a log line must never show); the failure says what was found, masked;
 * - `receipt: SCHEMA` — hex ESC/POS bytes that decode to a receipt `{lines, text, qrCodes, cuts, …}`
 *   matching SCHEMA (`text` is all lines joined with newlines, for `pattern` checks). A failure
 *   names the rule of SCHEMA that failed, in the receipt's terms ("receipt line 5 …").
 *
 * They are code keywords: ajv writes their calls into the validator it generates, naming each
 * check as `helpers.NAME` (payment-checks.ts), so that a compiled expectation can be kept as
 * source code and loaded again without ajv (expectation-cache.ts).
 */
import { createRequire } from 'node:module';
import type { Ajv, AnySchema, KeywordCxt, KeywordDefinition, Name } from 'ajv';
import { PAYMENT_CHECKS, type PaymentCheckName } from './payment-checks.js';

const require = createRequire(import.meta.url);

/** This module, whose code goes into every compiled expectation (its hash is part of the cache key). */
export const PAYMENT_KEYWORDS_MODULE = import.meta.url;
// ajv is loaded already when keywords are added; its code builders come from the same copy.
const codegen = () => require('ajv/dist/compile/codegen/index.js') as typeof import('ajv/dist/compile/codegen/index.js');

/** The generated code's name for a check: `helpers.luhn`, with the function itself when run at once. */
function check(cxt: KeywordCxt, name: PaymentCheckName): Name {
  const { _, getProperty } = codegen();
  return cxt.gen.scopeValue('func', { ref: PAYMENT_CHECKS[name], code: _`helpers${getProperty(name)}` });
}

function yesNoKeyword(keyword: PaymentCheckName, message: string): KeywordDefinition {
  return {
    keyword,
    type: 'string',
    schemaType: 'boolean',
    error: { message },
    code(cxt) {
      if (cxt.schema !== true) return;
      const { _ } = codegen();
      cxt.fail(_`!${check(cxt, keyword)}(${cxt.data})`);
    },
  };
}

/** Reports one error per message the check returns (`found` is the generated list's name). */
function reportEach(cxt: KeywordCxt, found: Name): void {
  cxt.gen.forOf('message', found, (message) => {
    cxt.setParams({ message });
    cxt.error();
  });
}

const byMessage = { message: ({ params }: { params: Record<string, unknown> }) => codegen()._`${params['message'] as Name}` };

/** `checkSchema` vets a nested receipt schema as ajv would (when ajv's own check is switched off). */
export function addPaymentKeywords(ajv: Ajv, checkSchema: (schema: unknown) => void = () => undefined): void {
  ajv.addKeyword(yesNoKeyword('luhn', 'must be a card number that passes the Luhn check'));
  ajv.addKeyword(yesNoKeyword('maskedPan', 'must be a PAN masked to at most the first six and last four digits'));
  ajv.addKeyword(yesNoKeyword('track2', 'must be valid ISO 7813 track 2 data'));
  ajv.addKeyword(yesNoKeyword('emvQr', 'must be an EMV merchant QR payload with a correct CRC'));
  ajv.addKeyword({
    keyword: 'noCardNumber',
    type: 'string',
    schemaType: 'boolean',
    error: byMessage,
    code(cxt) {
      if (cxt.schema !== true) return;
      const { _ } = codegen();
      reportEach(cxt, cxt.gen.const('found', _`${check(cxt, 'cardDataFound')}(${cxt.data})`));
    },
  });
  ajv.addKeyword({
    keyword: 'receipt',
    type: 'string',
    schemaType: ['object', 'boolean'],
    error: byMessage,
    code(cxt) {
      checkSchema(cxt.schema);
      // The receipt's own schema is a validator of its own, which the generated code calls (and
      // which ajv's standalone code carries along) on the decoded receipt.
      const receipt = cxt.gen.scopeValue('validate', { ref: cxt.it.self.compile(cxt.schema as AnySchema) });
      const { _ } = codegen();
      reportEach(cxt, cxt.gen.const('found', _`${check(cxt, 'receiptFailures')}(${cxt.data}, ${receipt})`));
    },
  });
}
