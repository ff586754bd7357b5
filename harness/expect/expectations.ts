/**
 * Expectations are JSON Schemas (draft-07) checked with ajv, plus payment keywords registered
 * by `payment-keywords.ts`. One Expectations instance per run compiles every schema of the
 * loaded suites once, before the first step, so a broken schema is an input error and not a
 * failure in the middle of a run.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv, type AnySchema, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { InputError, errorMessage } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import { yaml } from '../core/yaml.js';
import type { ValidationIssue } from '../core/record.js';
import { addPaymentKeywords } from './payment-keywords.js';

export interface Expectation {
  /** The schema as written in the suite, for the report. */
  readonly schema: unknown;
  check(value: unknown): ValidationIssue[];
}

export interface SchemaOrigin {
  /** The file the schema appears in, as shown to the user. */
  file: string;
  /** Absolute directory that relative `$ref`s resolve against. */
  baseDir: string;
  pointer: string;
  line?: number;
}

/**
 * Strict about unknown keywords (a typo such as `requried` must not silently pass), but not
 * about omitting `type`: `{ properties: … }` is ordinary JSON Schema that suites write.
 */
export const EXPECTATION_AJV_OPTIONS: Options = { allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false, allowUnionTypes: true };

const require = createRequire(import.meta.url);

/** What the prebuilt meta-schema validator was made from: ajv's draft-07 meta-schema, ajv's version and the options above. */
export function metaSchemaKey(): string {
  const meta = readFileSync(require.resolve('ajv/dist/refs/json-schema-draft-07.json'), 'utf8');
  const { version } = require('ajv/package.json') as { version: string };
  return createHash('sha256').update(`${version}\n${JSON.stringify(EXPECTATION_AJV_OPTIONS)}\n${meta}`).digest('hex');
}

/** `npm run build` writes it (scripts/build-validators.ts). */
export function metaSchemaValidatorPath(): string {
  return join(packageRoot(), 'dist', 'harness', 'expect', 'meta-schema.cjs');
}

/**
 * The draft-07 meta-schema's validator compiled at build time, when it was made from this ajv
 * and these options. ajv otherwise compiles the meta-schema itself before it can check the
 * first expectation: 50–130 ms of every run's start on a 2-core machine.
 */
function prebuiltMetaValidator(): ValidateFunction | undefined {
  const path = metaSchemaValidatorPath();
  if (!existsSync(path)) return undefined;
  const loaded = require(path) as ValidateFunction & { metaKey?: string };
  return loaded.metaKey === metaSchemaKey() ? loaded : undefined;
}

export class Expectations {
  private readonly ajv: Ajv;
  private readonly meta: ValidateFunction | undefined;
  /** Schema files added by `$ref`, by absolute path, with their content hash for the record. */
  readonly referencedFiles = new Map<string, string>();

  constructor() {
    this.meta = prebuiltMetaValidator();
    // With the prebuilt validator, checkSchema (below) does what ajv's validateSchema would.
    this.ajv = new Ajv({ ...EXPECTATION_AJV_OPTIONS, ...(this.meta ? { validateSchema: false } : {}) });
    addFormats.default(this.ajv);
    addPaymentKeywords(this.ajv, (schema) => this.checkSchema(schema));
  }

  /** Throws as ajv does ("schema is invalid: …") for a schema the draft-07 meta-schema refuses. */
  private checkSchema(schema: unknown): void {
    if (!this.meta || typeof schema !== 'object' || schema === null) return;
    // Another draft's meta-schema is ajv's to find (it refuses those it does not know).
    if ('$schema' in schema) {
      this.ajv.validateSchema(schema as AnySchema, true);
      return;
    }
    if (!this.meta(schema)) throw new Error(`schema is invalid: ${this.ajv.errorsText(this.meta.errors)}`);
  }

  compile(schema: unknown, origin: SchemaOrigin): Expectation {
    const resolved = this.resolveFileRefs(schema, origin);
    let validate: ValidateFunction;
    try {
      this.checkSchema(resolved);
      validate = this.ajv.compile(resolved as object | boolean as object);
    } catch (error) {
      throw new InputError('E_EXPECTATION', `the expectation is not a valid JSON Schema: ${errorMessage(error)}`, {
        file: origin.file,
        pointer: origin.pointer,
        ...(origin.line ? { line: origin.line } : {}),
        hint: 'expectations are JSON Schema draft-07 plus the payment keywords in docs/suites.md',
      });
    }
    return {
      schema,
      check: (value) => (validate(value) ? [] : toIssues(validate.errors ?? [])),
    };
  }

  /** Replaces `$ref: "file.json#/x"` by an absolute file URL and registers the file once. */
  private resolveFileRefs(schema: unknown, origin: SchemaOrigin, pointer = origin.pointer): unknown {
    if (Array.isArray(schema)) return schema.map((item, i) => this.resolveFileRefs(item, origin, `${pointer}/${i}`));
    if (typeof schema !== 'object' || schema === null) return schema;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#') && !/^[a-z]+:/i.test(value)) {
        const [file = '', fragment] = value.split('#', 2);
        const path = resolve(origin.baseDir, file);
        const id = pathToFileURL(path).href;
        this.addFile(path, id, { ...origin, pointer: `${pointer}/$ref` });
        out[key] = fragment === undefined ? id : `${id}#${fragment}`;
      } else {
        out[key] = this.resolveFileRefs(value, origin, `${pointer}/${key}`);
      }
    }
    return out;
  }

  private addFile(path: string, id: string, origin: SchemaOrigin): void {
    if (this.referencedFiles.has(path)) return;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new InputError('E_REF_NOT_FOUND', `$ref points at ${path}, which does not exist`, {
        file: origin.file,
        pointer: origin.pointer,
        ...(origin.line ? { line: origin.line } : {}),
        hint: '$ref paths are relative to the file that contains them',
      });
    }
    let parsed: unknown;
    try {
      parsed = yaml().parse(text);
    } catch (error) {
      throw new InputError('E_SYNTAX', `schema file ${path} is not valid JSON/YAML: ${errorMessage(error)}`, { file: path });
    }
    this.referencedFiles.set(path, createHash('sha256').update(text).digest('hex'));
    const nested = this.resolveFileRefs(parsed, { file: path, baseDir: dirname(path), pointer: '' });
    try {
      const withId = typeof nested === 'object' && nested !== null ? { ...(nested as object), $id: id } : nested;
      this.checkSchema(withId);
      this.ajv.addSchema(withId as object, id);
    } catch (error) {
      throw new InputError('E_EXPECTATION', `schema file ${path} is not a valid JSON Schema: ${errorMessage(error)}`, { file: path });
    }
  }
}

function toIssues(errors: readonly ErrorObject[]): ValidationIssue[] {
  return errors
    .filter((e) => e.keyword !== 'if')
    .map((e) => ({ path: e.instancePath || '/', message: withExpected(e) }));
}

/** ajv says "must be equal to constant"; a report reader wants to see which. */
function withExpected(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  const message = e.message ?? e.keyword;
  if (e.keyword === 'const') return `${message} ${JSON.stringify(params['allowedValue'])}`;
  if (e.keyword === 'enum') return `must be one of ${JSON.stringify(params['allowedValues'])}`;
  return message;
}
