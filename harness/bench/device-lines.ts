/**
 * The console of a bench run: many devices report at once, so every line is whole (one write per
 * line) and carries its device's name; every finished case is listed, passing or not, so a CI log
 * shows which device ran which case.
 */
import type { CaseRecord, RunHeader } from '../core/record.js';
import type { Reporter } from '../reporters/reporter.js';

export type LineSink = (line: string) => void;

export function deviceLineReporter(device: string, width: number, write: LineSink): Reporter {
  const name = device.padEnd(width);
  return {
    name: `console:${device}`,
    onRunStart(header: RunHeader, planned: number) {
      write(`${name}  start   ${planned} case${planned === 1 ? '' : 's'} on ${header.device.name} (${header.device.protocol})`);
    },
    onCaseEnd(record: CaseRecord) {
      const retries = record.attempts.length > 1 ? `, ${record.attempts.length} attempts` : '';
      const reason = record.outcome !== 'PASS' && record.reason ? ` — ${record.reason.replace(/\s*\n\s*/g, ' ')}` : '';
      write(`${name}  ${record.outcome.padEnd(7)} ${record.suite}/${record.id} (${record.durationMs} ms${retries})${reason}`);
    },
  };
}
