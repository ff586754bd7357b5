/**
 * What a report copy outside the run folder (`--junit FILE`, `--html FILE`, `--reporter
 * json=FILE`) holds while its run goes. CI publishes such a file from a fixed path: a run killed
 * outright (a job's time-out, kill -9) never writes it, and the last run's green copy would be
 * published for this one. So the copy is replaced when the run starts — JUnit by one error saying
 * the run has not finished, the HTML by a page saying so, JSON by nothing — and written whole at
 * its end.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeFolders } from '../core/folders.js';
import type { RunHeader } from '../core/record.js';
import { xmlEscape } from './junit.js';

export type CopyKind = 'junit' | 'html' | 'json';

export function unfinishedText(kind: Exclude<CopyKind, 'json'>, header: RunHeader): string {
  const message = `run ${header.runId}, started ${header.startedAt}, has not finished: it is still running, or poshil was stopped before it could write this file`;
  if (kind === 'html') {
    return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>poshil run ${xmlEscape(header.runId)} — not finished</title></head>\n<body><h1>poshil run not finished</h1><p>${xmlEscape(message)}.</p></body></html>\n`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="poshil" tests="1" failures="0" errors="1" skipped="0" time="0" timestamp="${xmlEscape(header.startedAt)}">
  <testsuite name="poshil" tests="1" failures="0" errors="1" skipped="0" time="0" timestamp="${xmlEscape(header.startedAt)}" hostname="${xmlEscape(header.host)}">
    <testcase classname="poshil.run" name="the run did not finish" time="0">
      <error message="${xmlEscape(message)}" type="E_UNFINISHED">${xmlEscape(`${message}; its record.ndjson holds what it did (poshil report RUN_DIR --format junit)`)}</error>
    </testcase>
  </testsuite>
</testsuites>
`;
}

/** Replaces the copy at `path` with what it says until the run ends. */
export function markUnfinished(kind: CopyKind, path: string, header: RunHeader): void {
  if (kind === 'json') {
    rmSync(path, { force: true });
    return;
  }
  makeFolders(dirname(path));
  writeFileSync(path, unfinishedText(kind, header));
}
