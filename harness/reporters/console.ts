/**
 * Progress and summary for a person at a terminal. On a TTY: a line per finished case and a
 * live status line while a case runs. Not on a TTY (CI logs): only cases that did not pass,
 * then the summary. Colours unless NO_COLOR is set or the output is not a TTY.
 */
import type { Outcome } from '../core/outcome.js';
import type { CaseRecord, RunHeader, RunRecord, StepRecord } from '../core/record.js';
import type { CaseRef, Reporter } from './reporter.js';

export interface ConsoleOptions {
  stream?: NodeJS.WriteStream;
  /** Files written by the run, named in the summary. */
  outputs?: () => Record<string, string>;
}

const COLORS: Record<Outcome, number> = { PASS: 32, FAIL: 31, ERROR: 35, TIMEOUT: 33, SKIPPED: 90, ABORTED: 31 };
const SYMBOLS: Record<Outcome, string> = { PASS: '✓', FAIL: '✗', ERROR: '!', TIMEOUT: '⧗', SKIPPED: '-', ABORTED: '■' };

export class ConsoleReporter implements Reporter {
  readonly name = 'console';
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly color: boolean;
  private planned = 0;
  private done = 0;
  private statusShown = false;

  constructor(private readonly options: ConsoleOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.tty = this.stream.isTTY === true;
    this.color = this.tty && !process.env['NO_COLOR'];
  }

  onRunStart(header: RunHeader, plannedCases: number): void {
    this.planned = plannedCases;
    const d = header.device;
    this.write(`poshil ${header.tool.version} · run ${header.runId}\ndevice ${d.name} (${d.protocol}) at ${d.address}\n`);
  }

  onCaseStart(ref: CaseRef): void {
    this.status(`[${this.done + 1}/${this.planned}] ${ref.suite}/${ref.id}${ref.attempt > 1 ? ` (attempt ${ref.attempt})` : ''} …`);
  }

  onStepEnd(ref: CaseRef, step: StepRecord): void {
    this.status(`[${this.done + 1}/${this.planned}] ${ref.suite}/${ref.id} · ${step.label} ${step.outcome}`);
  }

  onCaseEnd(record: CaseRecord): void {
    this.done++;
    if (!this.tty && record.outcome === 'PASS') return;
    const retries = record.attempts.length > 1 ? ` after ${record.attempts.length} attempts` : '';
    let line = `${this.paint(record.outcome, `${SYMBOLS[record.outcome]} ${record.outcome.padEnd(7)}`)} ${record.suite}/${record.id} ${this.dim(`(${formatMs(record.durationMs)}${retries})`)}`;
    if (record.outcome !== 'PASS' && record.reason) line += `\n          ${record.reason}`;
    if (record.outcome !== 'PASS' && record.outcome !== 'SKIPPED' && record.troubleshoot) {
      line += `\n          ${this.dim('troubleshoot: ' + record.troubleshoot.replace(/\s*\n\s*/g, ' '))}`;
    }
    this.write(line + '\n');
  }

  onRunEnd(record: RunRecord): void {
    const s = record.summary;
    const parts = [`${s.passed} passed`, `${s.failed} failed`];
    if (s.errors) parts.push(`${s.errors} errors`);
    if (s.timeouts) parts.push(`${s.timeouts} timed out`);
    if (s.skipped) parts.push(`${s.skipped} skipped`);
    if (s.aborted) parts.push(`${s.aborted} aborted`);
    const verdict = record.status === 'interrupted' ? 'INTERRUPTED' : s.outcome;
    const color: Outcome = verdict === 'INTERRUPTED' ? 'ABORTED' : s.outcome;
    let text = `\n${this.paint(color, verdict)} ${parts.join(', ')} of ${s.total} cases in ${formatMs(record.durationMs ?? 0)}\n`;
    const identity = record.device.identity;
    if (identity) text += `terminal ${identity.model} s/n ${identity.serialNumber} firmware ${identity.firmware}\n`;
    for (const [what, path] of Object.entries(this.options.outputs?.() ?? {})) text += `${what.padEnd(10)} ${path}\n`;
    this.write(text);
  }

  private status(text: string): void {
    if (!this.tty) return;
    const width = this.stream.columns || 100;
    this.stream.write(`\r\x1b[2K${this.dim(text.slice(0, width - 1))}`);
    this.statusShown = true;
  }

  private write(text: string): void {
    if (this.statusShown) {
      this.stream.write('\r\x1b[2K');
      this.statusShown = false;
    }
    this.stream.write(text);
  }

  private paint(outcome: Outcome, text: string): string {
    return this.color ? `\x1b[${COLORS[outcome]}m${text}\x1b[0m` : text;
  }

  private dim(text: string): string {
    return this.color ? `\x1b[2m${text}\x1b[0m` : text;
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
