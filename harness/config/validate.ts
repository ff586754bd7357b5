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
import { closest } from '../core/spelling.js';
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

/** Where an error is best shown: an unknown property at its name, anything else at its value. */
function placeOf(error: ErrorObject | undefined, doc: LoadedDocument): { pointer: string; pos: { line: number; column: number } | undefined } {
  const extra = error?.keyword === 'additionalProperties' ? `/${String((error.params as Record<string, unknown>)['additionalProperty'])}` : '';
  const pointer = (error?.instancePath ?? '') + extra;
  return { pointer, pos: doc.lineOf(pointer, extra ? 'key' : 'value') };
}

/** At most this many further problems are listed beside the first, so that one pass fixes a file. */
const MORE_PROBLEMS = 4;

/**
 * Returns normally when the document is valid; throws E_SCHEMA otherwise, naming the most useful
 * problem and listing the next few elsewhere in the file, each with its line.
 */
export function validateDocument(kind: ConfigKind, doc: LoadedDocument, what: string = kind): void {
  const validate = validatorFor(kind);
  if (validate(doc.value)) return;
  const errors = validate.errors ?? [];
  const error = pickError(errors);
  const { pointer, pos } = placeOf(error, doc);
  // Only problems that hold whatever form was meant: an error inside one branch of a oneOf or an
  // if/then (a TCP transport read as a serial one) is noise beside the first problem — unless its
  // `if` asks for a key the document has (a step's `do:`), which leaves no other reading.
  const seen = new Set([pointer]);
  const more: { line: number; text: string }[] = [];
  const decisive = decisiveBranches(errors);
  for (const other of concreteErrors(errors).filter((e) => !/\/(oneOf|anyOf|then|else)\//.test(e.schemaPath) || decisive(e))) {
    const place = placeOf(other, doc);
    if (seen.has(place.pointer)) continue;
    seen.add(place.pointer);
    more.push({ line: place.pos?.line ?? 0, text: `${place.pos ? `line ${place.pos.line}: ` : ''}${describe(other)}` });
  }
  const also = more.sort((a, b) => a.line - b.line).slice(0, MORE_PROBLEMS).map((m) => m.text);
  throw new InputError('E_SCHEMA', `${what} ${doc.shown} is invalid: ${describe(error)}`, {
    file: doc.shown,
    pointer,
    ...(pos ? { line: pos.line, column: pos.column } : {}),
    ...(also.length > 0 ? { also } : {}),
    hint: `the schema is ${kind}.schema.json (poshil validate FILE checks a file; editors complete from the schema)`,
  });
}

/**
 * Whether an error lies in a `then` whose `if` asks for a key (a step's `do:`): once that `if`
 * held there is no other reading. ajv reports the `if` that failed beside the errors of its
 * `then`, with the schema around it (verbose), so the `if` is read from there.
 */
function decisiveBranches(errors: readonly ErrorObject[]): (error: ErrorObject) => boolean {
  const decisive: { instancePath: string; thenPath: string }[] = [];
  for (const e of errors) {
    const condition = e.keyword === 'if' ? (e.parentSchema as { if?: { required?: unknown } } | undefined)?.if : undefined;
    if (Array.isArray(condition?.required) && condition.required.length > 0) decisive.push({ instancePath: e.instancePath, thenPath: e.schemaPath.replace(/\/if$/, '/then/') });
  }
  return (error) => {
    if (/\/(oneOf|anyOf|else)\//.test(error.schemaPath)) return false;
    const at = error.schemaPath.lastIndexOf('/then/');
    if (at === -1) return false;
    const thenPath = error.schemaPath.slice(0, at + '/then/'.length);
    const within = (path: string) => error.instancePath === path || error.instancePath.startsWith(`${path}/`);
    return decisive.some((d) => d.thenPath === thenPath && within(d.instancePath));
  };
}

/**
 * ajv reports every branch of an if/then or anyOf; the most useful error is the deepest one
 * that is not a combinator's summary.
 */
function pickError(errors: readonly ErrorObject[]): ErrorObject | undefined {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  const concrete = concreteErrors(errors);
  const pool = concrete.length > 0 ? concrete : anyOfs.length > 0 ? anyOfs : errors;
  return [...pool].sort((a, b) => depth(b.instancePath) - depth(a.instancePath))[0];
}

/** The errors that say what is wrong: not a combinator's summary, nor one branch of an anyOf ("missing do", "missing await", …), which says less than the anyOf itself. */
function concreteErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  const isBranch = (e: ErrorObject) => anyOfs.some((a) => a.instancePath === e.instancePath && e.schemaPath.startsWith(a.schemaPath + '/'));
  return errors.filter((e) => !['if', 'anyOf', 'oneOf', 'allOf'].includes(e.keyword) && !isBranch(e));
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length;
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'does not match the schema';
  const at = error.instancePath === '' ? 'the document' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params['additionalProperty']);
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const meant = closest(name, known);
      return `${at} has an unknown property "${name}"${meant ? ` (did you mean "${meant}"?)` : ''}`;
    }
    case 'required':
      return `${at} is missing the property "${String(params['missingProperty'])}"`;
    case 'enum': {
      const allowed = params['allowedValues'] as unknown[];
      const meant = typeof error.data === 'string' ? closest(error.data, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      // The likely one instead of a long list (the verbs, the events), which editors complete anyway.
      return meant ? `${at} is ${JSON.stringify(error.data)}: did you mean "${meant}"?` : `${at} must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    case 'anyOf': {
      // The step schema's anyOf lists one `required` key per kind of step.
      const kinds = (Array.isArray(error.schema) ? (error.schema as { required?: string[] }[]) : []).flatMap((b) => b.required ?? []);
      return kinds.length > 0 ? `${at} needs one of ${kinds.join(', ')}` : `${at} matches none of the allowed forms`;
    }
    default: {
      // A pattern says little to a suite's author; where the schema says in words what it wants (`x-expected`), that is said.
      const meant = VALUE_KEYWORDS.has(error.keyword) ? (error.parentSchema as { 'x-expected'?: unknown } | undefined)?.['x-expected'] : undefined;
      return typeof meant === 'string' ? `${at} is ${JSON.stringify(error.data)}; expected ${meant}` : `${at} ${error.message ?? 'is invalid'}`;
    }
  }
}

const VALUE_KEYWORDS = new Set(['pattern', 'type', 'minimum']);
