/**
 * Malformed variants of a configuration file, for the tests that feed poshil bad input: broken
 * syntax, wrong types, unknown keys, values out of range, odd encodings and sizes. Each says
 * whether every loader must refuse it (`mustFail`) or may accept it (it must then simply not
 * crash).
 */
import { parse, stringify } from 'yaml';

export interface Mutation {
  name: string;
  content: string | Buffer;
  mustFail: boolean;
}

type Doc = Record<string, unknown>;

/** Changes the parsed document; returns false when the mutation does not apply to it. */
const structural: Record<string, { mustFail: boolean; apply: (doc: Doc) => boolean }> = {
  'unknown-top-key': { mustFail: true, apply: (d) => ((d['bogusKey'] = 1), true) },
  'unknown-nested-key': {
    mustFail: true,
    apply: (d) => {
      const first = (Array.isArray(d['cases']) ? d['cases'][0] : Array.isArray(d['suites']) ? d['suites'][0] : d['transport']) as Doc | undefined;
      if (typeof first !== 'object' || first === null) return false;
      first['bogusKey'] = true;
      return true;
    },
  },
  'step-unknown-key': {
    mustFail: true,
    apply: (d) => {
      const step = ((d['cases'] as Doc[] | undefined)?.[0]?.['steps'] as Doc[] | undefined)?.[0];
      if (!step) return false;
      step['bogus'] = 1;
      return true;
    },
  },
  'list-as-string': {
    mustFail: true,
    apply: (d) => {
      const key = ['cases', 'suites'].find((k) => Array.isArray(d[k]));
      if (key) d[key] = 'not a list';
      else d['transport'] = 'not an object';
      return true;
    },
  },
  'string-as-number': {
    mustFail: true,
    apply: (d) => {
      const key = ['suite', 'plan', 'name'].find((k) => typeof d[k] === 'string');
      if (!key) return false;
      d[key] = 42;
      return true;
    },
  },
  'negative-timeout': {
    mustFail: false,
    apply: (d) => {
      const step = ((d['cases'] as Doc[] | undefined)?.[0]?.['steps'] as Doc[] | undefined)?.[0];
      if (step) step['timeoutMs'] = -1;
      else if (typeof d['timeouts'] === 'object' && d['timeouts'] !== null) (d['timeouts'] as Doc)['step'] = -1;
      else return false;
      return true;
    },
  },
  'huge-number': {
    mustFail: false,
    apply: (d) => {
      const step = ((d['cases'] as Doc[] | undefined)?.[0]?.['steps'] as Doc[] | undefined)?.[0];
      if (step) step['timeoutMs'] = 1e300;
      else if (typeof d['retries'] === 'number' || 'plan' in d) d['retries'] = 1e300;
      else d['timeouts'] = { step: 1e300 };
      return true;
    },
  },
  'empty-list': {
    mustFail: true,
    apply: (d) => {
      const key = ['cases', 'suites'].find((k) => Array.isArray(d[k]));
      if (!key) return false;
      d[key] = [];
      return true;
    },
  },
  'null-document': { mustFail: true, apply: (d) => (Object.keys(d).forEach((k) => delete d[k]), true) },
};

export function mutationsOf(text: string, json: boolean): Mutation[] {
  const lines = text.split('\n');
  const out: Mutation[] = [
    { name: 'empty', content: '', mustFail: true },
    { name: 'truncated-half', content: text.slice(0, Math.floor(text.length / 2)), mustFail: false },
    { name: 'truncated-tail', content: text.slice(0, -3), mustFail: false },
    { name: 'unclosed-quote', content: `${text}\nbad: "unterminated\n`, mustFail: true },
    { name: 'unbalanced-bracket', content: json ? text.replace('{', '{[') : `${text}\nbroken: [1, 2\n`, mustFail: true },
    { name: 'duplicate-key', content: json ? text.replace(/^\{/, '{"name": "a", "name": "b",') : `${lines[0]}\n${text}\n${firstKeyLine(lines)}\n`, mustFail: true },
    { name: 'undefined-alias', content: json ? `${text}\n*nope` : `${text}\nextra: *nope\n`, mustFail: true },
    { name: 'alias-bomb', content: aliasBomb(), mustFail: true },
    { name: 'deep-nesting', content: `x: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, mustFail: true },
    { name: 'nul-bytes', content: `${text.slice(0, 40)}\u0000\u0000${text.slice(40)}`, mustFail: false },
    { name: 'invalid-utf8', content: Buffer.concat([Buffer.from(text.slice(0, 20)), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(text.slice(20))]), mustFail: false },
    { name: 'utf16', content: Buffer.from(text, 'utf16le'), mustFail: true },
    { name: 'bom', content: `\ufeff${text}`, mustFail: false },
    { name: 'crlf', content: text.replace(/\n/g, '\r\n'), mustFail: false },
    { name: 'oversize', content: `${text}\n${json ? '' : '#'}${'x'.repeat(2 * 1024 * 1024)}\n`, mustFail: true },
    { name: 'binary-garbage', content: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)), mustFail: true },
  ];
  if (!json) out.push({ name: 'tab-indent', content: lines.map((l, i) => (i === lines.findIndex((x) => /^\s+\S/.test(x)) ? `\t${l.trimStart()}` : l)).join('\n'), mustFail: false });
  for (const [name, { mustFail, apply }] of Object.entries(structural)) {
    const doc = parse(text) as Doc;
    if (!apply(doc)) continue;
    out.push({ name, content: json ? JSON.stringify(doc, null, 2) : stringify(Object.keys(doc).length ? doc : null), mustFail });
  }
  return out;
}

function firstKeyLine(lines: readonly string[]): string {
  return lines.find((l) => /^[a-z]\w*:/.test(l)) ?? 'x: 1';
}

function aliasBomb(): string {
  let text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n';
  for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g']] as const) text += `${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
  return text;
}
