/**
 * Validates configuration documents (suites, profiles, plans) against poshil's published JSON
 * Schemas and turns the first meaningful ajv error into one InputError naming the file, the
 * JSON pointer, the line, and what is allowed there.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import type addFormatsModule from 'ajv-formats';
import { InputError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import type { LoadedDocument } from './document.js';

export const CONFIG_KINDS = ['suite', 'profile', 'plan', 'record', 'ecr-protocol', 'config', 'bench', 'bench-run'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];
export const CONFIG_AJV_OPTIONS: Options = { allErrors: true, strict: false, verbose: true };

const validators = new Map<ConfigKind, ValidateFunction>();
const require = createRequire(import.meta.url);
let configAjv: Ajv | undefined;

export function schemaPath(kind: ConfigKind): string {
  return join(packageRoot(), 'harness', 'config', 'schemas', `${kind}.schema.json`);
}

/** The standalone validator `npm run build` makes from the schema (scripts/build-validators.ts). */
export function validatorPath(kind: ConfigKind): string {
  return join(packageRoot(), 'dist', 'harness', 'config', 'validators', `${kind}.cjs`);
}

/**
 * The validator of a kind: the prebuilt one when it was made from this very schema text (its
 * SHA-256 matches), else compiled here once per process.
 */
function validatorFor(kind: ConfigKind): ValidateFunction {
  let validate = validators.get(kind);
  if (validate) return validate;
  const text = readFileSync(schemaPath(kind), 'utf8');
  const prebuilt = validatorPath(kind);
  if (existsSync(prebuilt)) {
    const loaded = require(prebuilt) as ValidateFunction & { schemaSha256?: string };
    if (loaded.schemaSha256 === createHash('sha256').update(text).digest('hex')) validate = loaded;
  }
  if (!validate) {
    if (!configAjv) {
      // ajv loads only when there is no prebuilt validator (tests from sources, an edited schema).
      const { Ajv: AjvClass } = require('ajv') as { Ajv: new (options: Options) => Ajv };
      configAjv = new AjvClass(CONFIG_AJV_OPTIONS);
      (require('ajv-formats') as typeof addFormatsModule).default(configAjv);
    }
    validate = configAjv.compile(JSON.parse(text) as object);
  }
  validators.set(kind, validate);
  return validate;
}

/** Returns normally when the document is valid; throws E_SCHEMA otherwise. */
export function validateDocument(kind: ConfigKind, doc: LoadedDocument, what: string = kind): void {
  const validate = validatorFor(kind);
  if (validate(doc.value)) return;
  const error = pickError(validate.errors ?? []);
  // An unknown property is best shown at the property itself.
  const extra = error?.keyword === 'additionalProperties' ? `/${String((error.params as Record<string, unknown>)['additionalProperty'])}` : '';
  const pointer = (error?.instancePath ?? '') + extra;
  const pos = doc.lineOf(pointer, extra ? 'key' : 'value');
  throw new InputError('E_SCHEMA', `${what} ${doc.shown} is invalid: ${describe(error)}`, {
    file: doc.shown,
    pointer,
    ...(pos ? { line: pos.line, column: pos.column } : {}),
    hint: `the schema is ${kind}.schema.json (poshil validate FILE checks a file; editors complete from the schema)`,
  });
}

/**
 * ajv reports every branch of an if/then or anyOf; the most useful error is the deepest one
 * that is not a combinator's summary.
 */
function pickError(errors: readonly ErrorObject[]): ErrorObject | undefined {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  // The branches of an anyOf ("missing do", "missing await", …) say less than the anyOf itself.
  const isBranch = (e: ErrorObject) => anyOfs.some((a) => a.instancePath === e.instancePath && e.schemaPath.startsWith(a.schemaPath + '/'));
  const concrete = errors.filter((e) => !['if', 'anyOf', 'oneOf', 'allOf'].includes(e.keyword) && !isBranch(e));
  const pool = concrete.length > 0 ? concrete : anyOfs.length > 0 ? anyOfs : errors;
  return [...pool].sort((a, b) => depth(b.instancePath) - depth(a.instancePath))[0];
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length;
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'does not match the schema';
  const at = error.instancePath === '' ? 'the document' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at} has an unknown property "${String(params['additionalProperty'])}"`;
    case 'required':
      return `${at} is missing the property "${String(params['missingProperty'])}"`;
    case 'enum':
      return `${at} must be one of: ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'anyOf': {
      // The step schema's anyOf lists one `required` key per kind of step.
      const kinds = (Array.isArray(error.schema) ? (error.schema as { required?: string[] }[]) : []).flatMap((b) => b.required ?? []);
      return kinds.length > 0 ? `${at} needs one of ${kinds.join(', ')}` : `${at} matches none of the allowed forms`;
    }
    default:
      return `${at} ${error.message ?? 'is invalid'}`;
  }
}
