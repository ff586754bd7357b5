/**
 * record.json, written and read a case at a time. The file is one JSON document, laid out so
 * that each case is one line:
 *
 *   {"schemaVersion":1,…,"suites":[
 *   {"id":"smoke",…,"cases":[
 *   {…case…},
 *   {…case…}
 *   ]},
 *   …
 *   ],"summary":{…}}
 *
 * Writing never builds the whole text (a 100,000-step run is tens of megabytes), and without
 * indentation a step takes half the bytes it did. Reading follows the lines and parses one case
 * at a time; a record in any other layout (older poshil wrote it indented) is parsed whole.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { forEachLine } from '../core/lines.js';
import type { CaseRecord, RunRecord, SuiteRecord } from '../core/record.js';

export { forEachLine };

const FLUSH_AT = 1 << 16;

/** Writes record.json atomically (a reader never sees half a file), a case at a time. */
export function writeRecordJson(path: string, record: RunRecord): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let pending = '';
  const out = (text: string) => {
    pending += text;
    if (pending.length >= FLUSH_AT) (writeSync(fd, pending), (pending = ''));
  };
  try {
    const { suites, summary, ...head } = record;
    out(JSON.stringify(head).slice(0, -1) + ',"suites":[\n');
    suites.forEach((suite, s) => {
      const { cases, ...suiteHead } = suite;
      out(JSON.stringify(suiteHead).slice(0, -1) + ',"cases":[\n');
      cases.forEach((c, i) => out(JSON.stringify(c) + (i < cases.length - 1 ? ',\n' : '\n')));
      out(s < suites.length - 1 ? ']},\n' : ']}\n');
    });
    out(`],"summary":${JSON.stringify(summary)}}\n`);
    writeSync(fd, pending);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

class NotLineLayout extends Error {}

/**
 * Reads record.json in the layout above, case by case, handing each case to `keep` (which may
 * slim it). Returns undefined when the file has another layout; throws SyntaxError when a line
 * of it is not JSON.
 */
export function readRecordLines(path: string, keep: (c: CaseRecord) => CaseRecord = (c) => c): RunRecord | undefined {
  let record: RunRecord | undefined;
  let suite: SuiteRecord | undefined;
  let done = false;
  try {
    forEachLine(path, (text) => {
      if (text === '') return;
      if (done) throw new NotLineLayout();
      if (!record) {
        if (!text.endsWith(',"suites":[')) throw new NotLineLayout();
        record = { ...(JSON.parse(text.slice(0, -',"suites":['.length) + '}') as Omit<RunRecord, 'suites'>), suites: [] } as RunRecord;
      } else if (!suite && text.startsWith('],"summary":')) {
        record.summary = (JSON.parse(`{${text.slice(2)}`) as Pick<RunRecord, 'summary'>).summary;
        done = true;
      } else if (!suite) {
        if (!text.endsWith(',"cases":[')) throw new NotLineLayout();
        suite = { ...(JSON.parse(text.slice(0, -',"cases":['.length) + '}') as Omit<SuiteRecord, 'cases'>), cases: [] };
        record.suites.push(suite);
      } else if (text === ']},' || text === ']}') {
        suite = undefined;
      } else {
        suite.cases.push(keep(JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text) as CaseRecord));
      }
    });
  } catch (error) {
    if (error instanceof NotLineLayout) return undefined;
    throw error;
  }
  return done ? record : undefined;
}
