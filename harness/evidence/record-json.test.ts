import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize, type CaseRecord, type RunRecord } from '../core/record.js';
import { readRecord } from './journal.js';
import { forEachLine, readRecordLines, writeRecordJson } from './record-json.js';

const dir = mkdtempSync(join(tmpdir(), 'poshil-record-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function caseRecord(id: string, suite: string, outcome: CaseRecord['outcome'], text = 'ok'): CaseRecord {
  const step = { index: 0, kind: 'do' as const, label: `do status ${text}`, outcome, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1.5, observed: { result: { text } }, transcript: { from: 0, to: 2 } };
  return { id, suite, mandatory: true, outcome, startedAt: step.startedAt, durationMs: 2, attempts: [{ attempt: 1, outcome, startedAt: step.startedAt, durationMs: 2, steps: [step] }] };
}

function record(suites: RunRecord['suites']): RunRecord {
  return {
    schemaVersion: 1, runId: 'r1', tool: { name: 'poshil', version: '0.1.0', node: 'v20' }, host: 'h', startedAt: '2026-01-01T00:00:00.000Z', options: { retries: 0 },
    device: { profile: 'p.json', name: 'sim', protocol: 'bench', address: 'tcp://127.0.0.1:1' }, inputs: [], status: 'finished', durationMs: 5, suites, summary: summarize(suites),
  };
}

describe('record.json a case at a time', () => {
  it('keeps the link outages, and reads an older record without them', () => {
    const path = join(dir, 'outages.json');
    const suites = [{ id: 'u', file: 'u.suite.yaml', sha256: '0'.repeat(64), cases: [caseRecord('c', 'u', 'PASS')] }];
    const outage = { downAt: '2026-01-01T00:00:01.000Z', backAt: '2026-01-01T00:00:02.000Z', downMs: 1000, expected: true, during: 'u/c step 1 (do reboot)', cause: 'closed', addressBefore: 'serial:/dev/pts/1', addressAfter: 'serial:/dev/pts/4', attempts: 3 };
    const withOutages = { ...record(suites), outages: [outage] };
    writeRecordJson(path, withOutages);
    expect(readRecord(path)).toEqual(withOutages);
    writeFileSync(path, JSON.stringify(record(suites), null, 2));
    expect(readRecord(path).outages).toBeUndefined();
  });

  it('writes one JSON document with a case per line, and reads it back the same (property)', () => {
    const path = join(dir, 'record.json');
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    const suites = fc.array(fc.tuple(fc.constantFrom('smoke', 'sales', 'ü-suite'), fc.array(fc.tuple(fc.constantFrom('PASS', 'FAIL', 'SKIPPED') as fc.Arbitrary<CaseRecord['outcome']>, text), { maxLength: 4 })), { maxLength: 3 });
    fc.assert(
      fc.property(suites, (spec) => {
        const r = record(spec.map(([id, cases], s) => ({ id, file: `${id}.suite.yaml`, sha256: '0'.repeat(64), cases: cases.map(([o, t], i) => caseRecord(`c${s}-${i}`, id, o, t)) })));
        writeRecordJson(path, r);
        expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(r);
        expect(readRecordLines(path)).toEqual(r);
      }),
      { numRuns: 50 },
    );
  });

  it('reads an indented record.json of an older poshil whole', () => {
    const r = record([{ id: 'smoke', file: 's.yaml', sha256: '0'.repeat(64), cases: [caseRecord('a', 'smoke', 'PASS')] }]);
    const path = join(dir, 'old-record.json');
    writeFileSync(path, JSON.stringify(r, null, 2) + '\n');
    expect(readRecordLines(path)).toBeUndefined();
    expect(readRecord(path)).toEqual(r);
  });

  it('splits lines the same wherever the blocks fall (property)', () => {
    const path = join(dir, 'lines.txt');
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/\n/g, ' ')), { maxLength: 20 }), fc.integer({ min: 1, max: 16 }), (lines, block) => {
        writeFileSync(path, lines.join('\n'));
        const got: string[] = [];
        forEachLine(path, (l) => got.push(l), block);
        // The reference: split at newlines; an empty last piece (a final newline, an empty file) is no line.
        const expected = lines.join('\n').split('\n');
        if (expected.at(-1) === '') expected.pop();
        expect(got).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});
