/**
 * Expectations are JSON Schemas (draft-07) checked with ajv, plus payment keywords registered
 * by `payment-keywords.ts`. One Expectations instance per run compiles every schema of the
 * loaded suites once, before the first step, so a broken schema is an input error and not a
 * failure in the middle of a run. A schema compiled before (by any run, with the same files,
 * ajv and poshil) comes from the cache of compiled expectations, and ajv does not load at all.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Ajv, AnySchema, ErrorObject, Options, ValidateFunction } from 'ajv';
import type addFormatsModule from 'ajv-formats';
import type standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { InputError, errorMessage } from '../core/errors.js';
import { moduleHash } from '../core/file-cache.js';
import { packageRoot } from '../core/paths.js';
import { isJsonValue, plainJson } from '../core/plain-json.js';
import { yaml } from '../core/yaml.js';
import type { ValidationIssue } from '../core/record.js';
import { ExpectationCache } from './expectation-cache.js';
import { PAYMENT_CHECKS_MODULE } from './payment-checks.js';
import { addPaymentKeywords, PAYMENT_KEYWORDS_MODULE } from './payment-keywords.js';
import { schemaProblem } from './schema-problem.js';
import { uncheckedWarningsOf } from './unchecked.js';

export interface Expectation {
  /** The schema as written in the suite, for the report. */
  readonly schema: unknown;
  check(value: unknown): ValidationIssue[];
  /** Properties the schema as written checks and `value` lacks, said of `what` ("result", "event"). */
  unchecked(value: unknown, what: string): string[];
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
  return createHash('sha256').update(`${ajvVersion()}\n${JSON.stringify(EXPECTATION_AJV_OPTIONS)}\n${meta}`).digest('hex');
}

const ajvVersion = (): string => (require('ajv/package.json') as { version: string }).version;

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

/** A schema file that an expectation's `$ref` names. */
interface SchemaFile {
  path: string;
  /** Its file URL, which the resolved `$ref`s point at and ajv knows it by. */
  id: string;
  sha256: string;
  /** The parsed schema with its own file `$ref`s resolved and `$id` set. */
  schema: unknown;
  /** The files its `$ref`s name. */
  refs: string[];
  registered: boolean;
  /** As `selfContained` below says of its content. */
  selfContained: boolean;
}

/** ajv with the payment keywords, loaded on the first schema the cache does not hold. */
interface Compiler {
  ajv: Ajv;
  meta: ValidateFunction | undefined;
  standaloneCode: typeof standaloneCodeModule.default;
}

export class Expectations {
  private compiler: Compiler | undefined;
  private readonly files = new Map<string, SchemaFile>();
  /** Validators of this instance by cache key: a schema written in many steps compiles once. */
  private readonly compiled = new Map<string, ValidateFunction>();
  /** Schema files added by `$ref`, by absolute path, with their content hash for the record. */
  readonly referencedFiles = new Map<string, string>();

  constructor(private readonly cache = new ExpectationCache()) {}

  private load(): Compiler {
    if (this.compiler) return this.compiler;
    const { Ajv: AjvClass } = require('ajv') as { Ajv: new (options: Options) => Ajv };
    const meta = prebuiltMetaValidator();
    // With the prebuilt validator, checkSchema (below) does what ajv's validateSchema would;
    // `code.source` keeps the generated code for the cache.
    const ajv = new AjvClass({ ...EXPECTATION_AJV_OPTIONS, code: { source: true }, ...(meta ? { validateSchema: false } : {}) });
    (require('ajv-formats') as typeof addFormatsModule).default(ajv);
    this.compiler = { ajv, meta, standaloneCode: (require('ajv/dist/standalone/index.js') as typeof standaloneCodeModule).default };
    addPaymentKeywords(ajv, (schema) => this.checkSchema(schema));
    return this.compiler;
  }

  /** Throws as ajv does ("schema is invalid: …") for a schema the draft-07 meta-schema refuses. */
  private checkSchema(schema: unknown): void {
    const { ajv, meta } = this.load();
    if (!meta || typeof schema !== 'object' || schema === null) return;
    // Another draft's meta-schema is ajv's to find (it refuses those it does not know).
    if ('$schema' in schema) {
      ajv.validateSchema(schema as AnySchema, true);
      return;
    }
    if (!meta(schema)) throw new Error(`schema is invalid: ${ajv.errorsText(meta.errors)}`);
  }

  compile(schema: unknown, origin: SchemaOrigin): Expectation {
    const refs = new Set<string>();
    const resolved = this.resolveFileRefs(schema, origin, origin.pointer, refs);
    const key = selfContained(schema) && [...this.reachable(refs)].every((path) => this.files.get(path)!.selfContained) ? this.cacheKey(resolved, refs) : undefined;
    let validate = key === undefined ? undefined : (this.compiled.get(key) ?? this.cache.load(key));
    if (!validate) {
      try {
        validate = this.compileNow(resolved, refs, key);
      } catch (error) {
        if (error instanceof InputError) throw error;
        throw new InputError('E_EXPECTATION', `the expectation is not a valid JSON Schema: ${schemaProblem(errorMessage(error), origin.pointer)}`, {
          file: origin.file,
          pointer: origin.pointer,
          ...(origin.line ? { line: origin.line } : {}),
          hint: 'expectations are JSON Schema draft-07 plus the payment keywords in docs/suites.md',
        });
      }
    }
    if (key !== undefined) this.compiled.set(key, validate);
    const checked = validate;
    return {
      schema,
      check: (value) => (checked(value) ? [] : toIssues(checked.errors ?? [], value)),
      unchecked: uncheckedWarningsOf(schema),
    };
  }

  /** Compiles with ajv, and keeps the generated code for the next run under `key` (if any). */
  private compileNow(resolved: unknown, refs: Set<string>, key: string | undefined): ValidateFunction {
    const { ajv, standaloneCode } = this.load();
    for (const path of this.reachable(refs)) this.register(this.files.get(path)!);
    this.checkSchema(resolved);
    const validate = ajv.compile(resolved as object | boolean as object);
    if (key !== undefined) this.cache.store(key, standaloneCode(ajv, validate));
    return validate;
  }

  /**
   * Everything the compiled code depends on: the schema, the files it reaches, ajv, ajv-formats,
   * the options, and the code of the modules that write the keywords' calls and answer them.
   */
  private cacheKey(resolved: unknown, refs: Set<string>): string {
    const files = [...this.reachable(refs)].sort().map((path) => `${this.files.get(path)!.id} ${this.files.get(path)!.sha256}`);
    const code = [import.meta.url, PAYMENT_KEYWORDS_MODULE, PAYMENT_CHECKS_MODULE].map(moduleHash);
    const made = { code, ajv: ajvVersion(), formats: (require('ajv-formats/package.json') as { version: string }).version, options: EXPECTATION_AJV_OPTIONS, files };
    return createHash('sha256').update(JSON.stringify(made)).update('\n').update(JSON.stringify(resolved)).digest('hex');
  }

  /** The schema files `refs` name, and those they name in turn. */
  private reachable(refs: Set<string>): Set<string> {
    const seen = new Set<string>();
    const visit = (path: string): void => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const next of this.files.get(path)!.refs) visit(next);
    };
    for (const path of refs) visit(path);
    return seen;
  }

  /** Replaces `$ref: "file.json#/x"` by an absolute file URL and reads the file once; `refs` collects the files named. */
  private resolveFileRefs(schema: unknown, origin: SchemaOrigin, pointer: string, refs: Set<string>): unknown {
    if (Array.isArray(schema)) return schema.map((item, i) => this.resolveFileRefs(item, origin, `${pointer}/${i}`, refs));
    if (typeof schema !== 'object' || schema === null) return schema;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#') && !/^[a-z]+:/i.test(value)) {
        const [file = '', fragment] = value.split('#', 2);
        const path = resolve(origin.baseDir, file);
        const id = pathToFileURL(path).href;
        this.addFile(path, id, { ...origin, pointer: `${pointer}/$ref` });
        refs.add(path);
        out[key] = fragment === undefined ? id : `${id}#${fragment}`;
      } else {
        out[key] = this.resolveFileRefs(value, origin, `${pointer}/${key}`, refs);
      }
    }
    return out;
  }

  private addFile(path: string, id: string, origin: SchemaOrigin): void {
    if (this.files.has(path)) return;
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
      // A JSON schema file is read without loading the YAML parser.
      const json = plainJson(text);
      parsed = json.ok ? json.value : yaml().parse(text);
    } catch (error) {
      throw new InputError('E_SYNTAX', `schema file ${path} is not valid JSON/YAML: ${errorMessage(error)}`, { file: path });
    }
    const sha256 = createHash('sha256').update(text).digest('hex');
    this.referencedFiles.set(path, sha256);
    // In the map before its own refs are followed: two files may name each other.
    const file: SchemaFile = { path, id, sha256, schema: undefined, refs: [], registered: false, selfContained: selfContained(parsed) };
    this.files.set(path, file);
    const refs = new Set<string>();
    const nested = this.resolveFileRefs(parsed, { file: path, baseDir: dirname(path), pointer: '' }, '', refs);
    file.schema = typeof nested === 'object' && nested !== null ? { ...(nested as object), $id: id } : nested;
    file.refs = [...refs];
  }

  /** Gives ajv a schema file, checked as ajv would, before the first schema that needs it compiles. */
  private register(file: SchemaFile): void {
    if (file.registered) return;
    try {
      this.checkSchema(file.schema);
      this.load().ajv.addSchema(file.schema as object, file.id);
    } catch (error) {
      throw new InputError('E_EXPECTATION', `schema file ${file.path} is not a valid JSON Schema: ${errorMessage(error)}`, { file: file.path });
    }
    file.registered = true;
  }
}

/**
 * True when a compiled schema depends on nothing but itself and the files its relative `$ref`s
 * name, so that its cached code is what ajv would compile now: no `$id` or anchor another
 * schema may refer to (ajv must know it, and two with one id are an error), no `$ref` by URI
 * or to another draft (`$schema`), and nothing JSON cannot carry (the code holds the schema as
 * JSON: an `.inf` in a `const` would come back as null).
 */
function selfContained(schema: unknown): boolean {
  if (!isJsonValue(schema)) return false;
  const walk = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.every(walk);
    if (typeof value !== 'object' || value === null) return true;
    for (const [key, item] of Object.entries(value)) {
      if (key === '$id' || key === '$anchor' || key === '$dynamicAnchor' || key === '$recursiveAnchor' || key === '$schema') return false;
      if (key === '$ref' && typeof item === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(item)) return false;
      if (!walk(item)) return false;
    }
    return true;
  };
  return walk(schema);
}

function toIssues(errors: readonly ErrorObject[], value: unknown): ValidationIssue[] {
  return errors
    .filter((e) => e.keyword !== 'if')
    .map((e) => ({ path: e.instancePath || '/', message: withExpected(e) + gotValue(e, value) }));
}

/** Keywords about the value itself, where what the terminal sent is what a reader needs next. */
const ABOUT_THE_VALUE = new Set(['const', 'enum', 'type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'pattern', 'format', 'minLength', 'maxLength']);

/** ", got 1234": the value at the issue's path, short (the reason is masked for card data later). */
function gotValue(e: ErrorObject, value: unknown): string {
  if (!ABOUT_THE_VALUE.has(e.keyword)) return '';
  let at: unknown = value;
  for (const key of e.instancePath.split('/').slice(1)) {
    if (at === null || typeof at !== 'object') return '';
    at = (at as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  const text = JSON.stringify(at);
  if (text === undefined) return '';
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** ajv says "must be equal to constant"; a report reader wants to see which. */
function withExpected(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  const message = e.message ?? e.keyword;
  if (e.keyword === 'const') return `${message} ${JSON.stringify(params['allowedValue'])}`;
  if (e.keyword === 'enum') return `must be one of ${JSON.stringify(params['allowedValues'])}`;
  return message;
}
