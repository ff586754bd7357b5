/** What `run --list` prints, and which cases `run --last-failed` picks from the previous record. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { consoleText } from '../../core/console-text.js';
import type { Suite } from '../../config/types.js';
import { readRecord } from '../../evidence/journal.js';
import { LATEST } from '../../runner/latest-link.js';
import { selectCases, type CaseSelection } from '../../runner/run.js';

/** One line per case: "suite/case  title  [requires …]", then the count. */
export function listCases(suites: readonly Suite[], selection: CaseSelection): string {
  const rows = suites.flatMap((s) => selectCases(s, selection).map((c) => ({ id: `${s.id}/${c.id}`, title: consoleText(c.title ?? ''), requires: c.requires, optional: !c.mandatory })));
  const width = Math.max(0, ...rows.map((r) => r.id.length));
  const lines = rows.map((r) => `${r.id.padEnd(width)}  ${r.title}${r.requires.length ? `  [requires ${r.requires.join(', ')}]` : ''}${r.optional ? '  (optional)' : ''}`.trimEnd());
  const suitesWithCases = new Set(rows.map((r) => r.id.split('/')[0])).size;
  return `${lines.join('\n')}${lines.length ? '\n' : ''}${rows.length} ${rows.length === 1 ? 'case' : 'cases'} in ${suitesWithCases} ${suitesWithCases === 1 ? 'suite' : 'suites'}\n`;
}

/**
 * "suite/case" ids that did not pass (failed, errored, timed out or never ran) in OUT/latest, and
 * the suite files they are in; undefined when that run never reached its terminal, so that
 * everything runs again.
 */
export function lastFailed(outDir: string): { only: Set<string>; files: string[] } | undefined {
  const dir = join(outDir, LATEST);
  const file = ['record.json', 'record.ndjson'].map((name) => join(dir, name)).find((path) => existsSync(path));
  if (!file) throw new InputError('E_NO_RUN', `--last-failed: no previous run under ${outDir}`, { file: dir, hint: 'run once without --last-failed first, or give the --out of that run' });
  const record = readRecord(file);
  if (record.status === 'error') return undefined;
  // A crashed run's cases past the crash have no result: not knowing which failed, all run again.
  if (record.status === 'crashed' && record.planned !== undefined && record.planned > record.summary.total) return undefined;
  const failing = record.suites.map((s) => ({ file: s.file, ids: s.cases.filter((c) => c.outcome !== 'PASS' && c.outcome !== 'SKIPPED').map((c) => `${s.id}/${c.id}`) }));
  // A suite's path as that run showed it, which may be relative to where it ran: one not found
  // here leaves the choice of files to the command line (and the cases it lacks are named).
  const files = [...new Set(failing.filter((s) => s.ids.length > 0).map((s) => s.file))];
  return { only: new Set(failing.flatMap((s) => s.ids)), files: files.every((f) => existsSync(f)) ? files : [] };
}

/** The cases --last-failed wants that none of the loaded suites holds: a suite left off this time. */
export function notLoaded(only: ReadonlySet<string>, suites: readonly Suite[]): string[] {
  const loaded = new Set(suites.flatMap((s) => s.cases.map((c) => `${s.id}/${c.id}`)));
  return [...only].filter((id) => !loaded.has(id));
}
