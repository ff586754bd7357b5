/**
 * Reads a YAML or JSON file (YAML is a superset of JSON, so one parser serves both) and keeps
 * the parsed document, so that a JSON pointer found by validation can be turned back into the
 * line and column a user should look at.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { InputError } from '../core/errors.js';
import { FileCache, moduleHash } from '../core/file-cache.js';
import { yaml } from '../core/yaml.js';
import { isJsonValue, plainJson } from '../core/plain-json.js';

export interface LoadedDocument {
  /** Absolute path. */
  path: string;
  /** Path as shown to the user (relative to the working directory when inside it). */
  shown: string;
  text: string;
  sha256: string;
  value: unknown;
  /** Where the value at `pointer` is written, or with `key` the property's name (an unknown property is shown at its name). */
  lineOf(pointer: string, place?: 'value' | 'key'): { line: number; column: number } | undefined;
}

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/**
 * The largest suite, profile, plan or fixture file poshil reads. The bundled ones are under
 * 20 KiB; a bigger file is almost surely the wrong file, and parsing megabytes of YAML costs
 * seconds and hundreds of MB.
 */
export const MAX_INPUT_BYTES = 1024 * 1024;

export function loadDocument(path: string, what: string): LoadedDocument {
  const shown = displayPath(path);
  let text: string;
  try {
    // A FIFO or a device (/dev/zero) would block or never end: read regular files only.
    const stat = statSync(path);
    if (!stat.isFile()) {
      throw new InputError('E_NOT_A_FILE', `${what} ${shown} is not a regular file (${stat.isDirectory() ? 'a folder' : 'a pipe, socket or device'})`, { file: shown, hint: 'give the path of a regular file' });
    }
    if (stat.size > MAX_INPUT_BYTES) {
      throw new InputError('E_FILE_TOO_LARGE', `${what} ${shown} is ${stat.size} bytes; poshil reads ${what} files of at most ${MAX_INPUT_BYTES} bytes`, { file: shown, hint: `check that this is the ${what} you meant` });
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'E_FILE_NOT_FOUND' : 'E_FILE_READ', `cannot read ${what} ${shown}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
      file: shown,
      hint: code === 'ENOENT' ? 'check the path (it is relative to the current directory)' : undefined,
    });
  }
  const sha256 = createHash('sha256').update(text).digest('hex');
  // A JSON document (a device profile) is read without loading the YAML parser, which a run
  // otherwise waits for before it can start the profile's simulator; the parser still finds
  // the line of an error, and reports every syntax error and duplicate key as before.
  const json = plainJson(text);
  if (json.ok) {
    let parsed: { doc: Document; counter: LineCounter } | undefined;
    return {
      path,
      shown,
      text,
      sha256,
      value: json.value,
      lineOf: (pointer, place) => {
        parsed ??= parseYaml(text, what, shown);
        return lineOf(parsed.doc, parsed.counter, pointer, place);
      },
    };
  }
  if (path.endsWith('.json')) jsonSyntax(text, what, shown);
  // A YAML document read before comes from the cache, with the line of each of its values.
  const kept = parsedBefore(sha256);
  if (kept) return { path, shown, text, sha256, value: kept.value, lineOf: (pointer, place) => keptLineOf(place === 'key' && Object.hasOwn(kept.keys, pointer) ? kept.keys : kept.lines, pointer) };
  const { doc, counter } = parseYaml(text, what, shown);
  let value: unknown;
  try {
    // Aliases are expanded here: an undefined one, or a "billion laughs" that multiplies them, is the file's fault.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const alias = /alias/i.test((error as Error).message);
    throw new InputError('E_SYNTAX', `${what} ${shown} is not valid YAML/JSON: ${(error as Error).message}`, {
      file: shown,
      hint: alias ? 'YAML aliases (*name) must refer to an anchor (&name) set before them, and may not expand to more than 100 copies' : 'fix the syntax',
    });
  }
  keep(sha256, doc, counter, value);
  return { path, shown, text, sha256, value, lineOf: (pointer, place) => lineOf(doc, counter, pointer, place) };
}

/**
 * Parsed YAML documents kept between runs (core/file-cache.ts): the yaml parser is 72 files to
 * load and a suite takes it milliseconds to parse, ~40 ms of a run's start on a 2-core machine.
 * Only a document that parsed without error, to plain JSON values and without aliases (whose
 * expansion can be far bigger than the text), is kept, with the line and column of each of its
 * values; the name covers the text, the parser's version and this module's code.
 */
let parsedDocuments: FileCache | undefined;
const documents = (): FileCache => (parsedDocuments ??= FileCache.of('documents'));
const require = createRequire(import.meta.url);

interface KeptDocument {
  value: unknown;
  /** Line and column by JSON pointer, for every value in the document. */
  lines: Record<string, [number, number]>;
  /** Line and column of each property's name, by the pointer of its value. */
  keys: Record<string, [number, number]>;
}

function cacheName(textSha256: string): string {
  const made = `${moduleHash(import.meta.url)} ${(require('yaml/package.json') as { version: string }).version} ${textSha256}`;
  return `${createHash('sha256').update(made).digest('hex')}.json`;
}

function parsedBefore(textSha256: string): KeptDocument | undefined {
  const kept = documents().read(cacheName(textSha256));
  if (kept === undefined) return undefined;
  try {
    const parsed = JSON.parse(kept) as Partial<KeptDocument>;
    return 'value' in parsed && typeof parsed.lines === 'object' && parsed.lines !== null && typeof parsed.keys === 'object' && parsed.keys !== null ? (parsed as KeptDocument) : undefined;
  } catch {
    return undefined;
  }
}

function keep(textSha256: string, doc: Document, counter: LineCounter, value: unknown): void {
  if (documents().dir === undefined || !isJsonValue(value)) return;
  const { isAlias, isMap, isNode, isScalar, isSeq } = yaml();
  const lines: KeptDocument['lines'] = {};
  const keys: KeptDocument['keys'] = {};
  let aliases = false;
  // One walk over the tree, recording what lineOf (below) finds for each pointer: a map key is
  // found by its value as getIn looks it up (digits as a number), so "0": x in quotes is not.
  const walk = (node: unknown, pointer: string): void => {
    if (isAlias(node)) aliases = true;
    if (!isNode(node) || !node.range) return;
    const pos = counter.linePos(node.range[0]);
    lines[pointer] = [pos.line, pos.col];
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const segment = String(pair.key.value);
        if ((/^\d+$/.test(segment) ? Number(segment) : segment) !== pair.key.value) continue;
        const at = `${pointer}/${segment.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (pair.key.range) {
          const pos = counter.linePos(pair.key.range[0]);
          keys[at] = [pos.line, pos.col];
        }
        walk(pair.value, at);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, `${pointer}/${i}`));
    }
  };
  walk(doc.contents, '');
  if (aliases) return;
  try {
    documents().write(cacheName(textSha256), JSON.stringify({ value, lines, keys } satisfies KeptDocument));
  } catch {
    // Too big to keep: parsed again next time.
  }
}

/** As lineOf below: the deepest value that exists, a missing property giving its parent's line. */
function keptLineOf(lines: KeptDocument['lines'], pointer: string): { line: number; column: number } | undefined {
  for (let at = pointer; ; at = at.slice(0, at.lastIndexOf('/'))) {
    const pos = Object.hasOwn(lines, at) ? lines[at] : undefined;
    if (pos) return { line: pos[0], column: pos[1] };
    if (at === '') return undefined;
  }
}

/**
 * A `.json` file that JSON.parse refuses is reported in JSON's words, at the place JSON.parse
 * stopped: the YAML parser, which reads JSON too, would name a YAML rule and often a later line.
 * (JSON that parses but repeats a key is left to the YAML parser, which names the key.)
 */
function jsonSyntax(text: string, what: string, shown: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    // Node 20 names the position of some errors only ("Unexpected token ']', …" has none).
    const at = /at position (\d+)/.exec(message)?.[1] ?? firstJsonError(text);
    const before = at !== undefined ? text.slice(0, Number(at)) : undefined;
    const line = before === undefined ? undefined : before.split('\n').length;
    const column = before === undefined ? undefined : before.length - before.lastIndexOf('\n');
    throw new InputError('E_SYNTAX', `${what} ${shown} is not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '').replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '')}`, {
      file: shown,
      ...(line !== undefined ? { line, column } : {}),
      hint: 'a comma, bracket, brace or quote is missing or extra at that place, or just before it',
    });
  }
}

/** The offset where a strict JSON reader stops in `text`, which JSON.parse refused; undefined if it reads it all. */
function firstJsonError(text: string): number | undefined {
  let i = 0;
  const stop = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = () => {
    for (i++; i < text.length; i++) {
      if (text[i] === '"') return void i++;
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) stop();
    }
    stop();
  };
  const value = (): void => {
    space();
    const open = text[i];
    if (open === '{' || open === '[') {
      const close = open === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) return void i++;
      for (;;) {
        if (open === '{') {
          space();
          if (text[i] !== '"') stop();
          string();
          space();
          if (text[i] !== ':') stop();
          i++;
        }
        value();
        space();
        if (text[i] === close) return void i++;
        if (text[i] !== ',') stop();
        i++;
      }
    }
    if (open === '"') return string();
    const scalar = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null/y;
    scalar.lastIndex = i;
    if (!scalar.test(text)) stop();
    i = scalar.lastIndex;
  };
  try {
    value();
    space();
    if (i < text.length) stop();
    return undefined;
  } catch (at) {
    // A position, or a RangeError from a nesting deeper than the stack: then no line is given.
    return typeof at === 'number' ? at : undefined;
  }
}

function parseYaml(text: string, what: string, shown: string): { doc: Document; counter: LineCounter } {
  const { LineCounter: Counter, parseDocument } = yaml();
  const counter = new Counter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = counter.linePos(first.pos[0]);
    throw new InputError('E_SYNTAX', `${what} ${shown} is not valid YAML/JSON: ${first.message.split('\n')[0]}`, {
      file: shown,
      line: pos.line,
      column: pos.col,
      hint: 'fix the syntax at that line (indentation, a missing colon or quote)',
    });
  }
  return { doc, counter };
}

function lineOf(doc: Document, counter: LineCounter, pointer: string, place: 'value' | 'key' = 'value'): { line: number; column: number } | undefined {
  const path = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const { isMap, isNode, isScalar } = yaml();
  if (place === 'key' && path.length > 0) {
    const parent = doc.getIn(path.slice(0, -1), true);
    const name = path.at(-1);
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === name) : undefined;
    if (pair && isNode(pair.key) && pair.key.range) {
      const pos = counter.linePos(pair.key.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  // The deepest node that exists: a missing property points at its parent object.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const pos = counter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}
