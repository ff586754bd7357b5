/**
 * Progress and summary on the console, in one of three styles:
 * - `list`: a line per case, passes included, with its duration (the default; on a TTY a live
 *   status line shows the running case and step);
 * - `line`: only cases that did not pass (or were flaky) get a line; on a TTY one status line;
 * - `dot`: a character per case.
 * When not on a TTY (a CI log), a step running longer than the heartbeat interval gets a line
 * every interval so that the log never looks hung; a load step adds how far it has got and its
 * running median against the limit. Every style ends with the recap of failures and flaky cases.
 * Colours on a TTY unless NO_COLOR is set; FORCE_COLOR (other than 0 or false) asks for them
 * anywhere, as in Node itself, for a CI log that shows them.
 */
import { consoleText } from '../core/console-text.js';
import { isFlaky, type CaseRecord, type RunHeader, type RunRecord, type StepRecord } from '../core/record.js';
import type { CaseRef, Reporter, StepProgress, StepStart } from './reporter.js';
import { closingText, COLORS, FLAKY_SYMBOL, flakyHistory, formatMs, NO_PAINT, oneLine, SYMBOLS, type Paint } from './text.js';

export type ConsoleStyle = 'list' | 'line' | 'dot';

/** FORCE_COLOR (set at all: even empty, as Node reads it) beats NO_COLOR (set and not empty), which beats the terminal. */
function wantsColour(tty: boolean): boolean {
  const force = process.env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return tty && !process.env['NO_COLOR'];
}

export interface ConsoleOptions {
  style?: ConsoleStyle;
  stream?: NodeJS.WriteStream;
  /** Files written by the run, named at the end. */
  outputs?: () => Record<string, string>;
  /** How often a long step is reported when not on a TTY (default 10 s). */
  heartbeatMs?: number;
}

const DOTS: Record<CaseRecord['outcome'], string> = { PASS: '·', FAIL: 'F', ERROR: 'E', TIMEOUT: 'T', SKIPPED: '-', ABORTED: 'A' };
const DOTS_PER_LINE = 80;

interface RunningStep {
  ref: CaseRef;
  step: StepStart;
  started: number;
  progress?: () => StepProgress;
}

export class ConsoleReporter implements Reporter {
  readonly name: string;
  private readonly style: ConsoleStyle;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly paint: Paint;
  private readonly heartbeatMs: number;
  private planned = 0;
  private done = 0;
  private dots = 0;
  private statusShown = false;
  private running: RunningStep | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConsoleOptions = {}) {
    this.style = options.style ?? 'list';
    this.name = this.style;
    this.stream = options.stream ?? process.stdout;
    this.tty = this.stream.isTTY === true;
    this.paint = wantsColour(this.tty) ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : NO_PAINT;
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
  }

  onRunStart(header: RunHeader, plannedCases: number): void {
    this.planned = plannedCases;
    const d = header.device;
    this.write(`poshil ${header.tool.version} · run ${header.runId}\ndevice ${d.name} (${d.protocol}) at ${d.address}\n${plannedCases} ${plannedCases === 1 ? 'case' : 'cases'} to run\n`);
  }

  onCaseStart(ref: CaseRef): void {
    this.status(`[${this.done + 1}/${this.planned}] ${ref.suite}/${ref.id}${ref.attempt > 1 ? ` (attempt ${ref.attempt})` : ''} …`);
  }

  onStepStart(ref: CaseRef, step: StepStart): void {
    this.stopTimer();
    this.running = { ref, step, started: performance.now() };
    // On a TTY the status line is refreshed every second; in a log a line every heartbeat.
    this.timer = setInterval(() => this.beat(), this.tty ? 1000 : this.heartbeatMs);
    this.timer.unref();
  }

  onStepProgress(ref: CaseRef, progress: () => StepProgress): void {
    if (this.running && this.running.ref === ref) this.running.progress = progress;
  }

  onStepEnd(ref: CaseRef, step: StepRecord): void {
    this.stopTimer();
    this.status(`[${this.done + 1}/${this.planned}] ${ref.suite}/${ref.id} · ${consoleText(step.label)} ${step.outcome}`);
  }

  onCaseEnd(record: CaseRecord): void {
    this.stopTimer();
    this.done++;
    // Cases that never started after Ctrl-C are counted in one line at the end, not listed.
    if (record.outcome === 'ABORTED' && record.attempts.length === 0) return;
    if (this.style === 'dot') return this.dot(record);
    if (this.style === 'line' && record.outcome === 'PASS' && !isFlaky(record)) return;
    this.write(this.caseLine(record));
  }

  onRunEnd(record: RunRecord): void {
    this.stopTimer();
    if (this.dots > 0) this.write('\n');
    let text = closingText(record, this.paint);
    for (const [what, path] of Object.entries(this.options.outputs?.() ?? {})) if (path) text += `${what.padEnd(10)} ${path}\n`;
    this.write(text);
  }

  private caseLine(record: CaseRecord): string {
    const flaky = isFlaky(record);
    const word = flaky ? 'FLAKY' : record.outcome;
    const symbol = flaky ? FLAKY_SYMBOL : SYMBOLS[record.outcome];
    const color = flaky ? COLORS.FLAKY : COLORS[record.outcome];
    const retries = flaky ? `, ${flakyHistory(record).split(';')[0]}` : record.attempts.length > 1 ? `, ${record.attempts.length} attempts` : '';
    let line = `${this.paint(color, `${symbol} ${word.padEnd(7)}`)} ${record.suite}/${record.id} ${this.paint(2, `(${formatMs(record.durationMs)}${retries})`)}`;
    if (record.outcome === 'PASS' && record.attempts.at(-1)?.steps.some((s) => s.measurements?.some((m) => m.verdict === 'MARGINAL'))) line += ` ${this.paint(COLORS.FLAKY, 'marginal')}`;
    if (record.outcome !== 'PASS' && record.reason) line += `\n          ${oneLine(record.reason)}`;
    return line + '\n';
  }

  private dot(record: CaseRecord): void {
    const flaky = isFlaky(record);
    const char = flaky ? FLAKY_SYMBOL : DOTS[record.outcome];
    this.dots++;
    this.write(this.paint(flaky ? COLORS.FLAKY : COLORS[record.outcome], char) + (this.dots % DOTS_PER_LINE === 0 ? '\n' : ''));
  }

  private beat(): void {
    const r = this.running;
    if (!r) return;
    const elapsed = performance.now() - r.started;
    let text = `${r.ref.suite}/${r.ref.id} · ${consoleText(r.step.label)}: running ${formatMs(elapsed)}`;
    if (r.progress) text += `, ${progressText(r.progress())}`;
    if (this.tty) this.status(`[${this.done + 1}/${this.planned}] ${text}`);
    else this.write(`${this.dots > 0 ? '\n' : ''}  … ${text}\n`);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.running = undefined;
  }

  private status(text: string): void {
    if (!this.tty || this.style === 'dot') return;
    const width = this.stream.columns || 100;
    this.stream.write(`\r\x1b[2K${this.paint(2, text.slice(0, width - 1))}`);
    this.statusShown = true;
  }

  private write(text: string): void {
    if (this.statusShown) {
      this.stream.write('\r\x1b[2K');
      this.statusShown = false;
    }
    this.stream.write(text);
  }
}

/** "40 of 100 done, p50 120 ms (limit ≤ 200 ms)" */
export function progressText(p: StepProgress): string {
  const figures = p.figures.map((f) => {
    const value = Number.isFinite(f.value) ? `${f.value} ${f.unit}` : 'n/a';
    const limit = f.max !== undefined ? ` (limit ≤ ${f.max} ${f.unit})` : f.min !== undefined ? ` (limit ≥ ${f.min} ${f.unit})` : '';
    return `${f.name} ${value}${limit}`;
  });
  const done = p.total > 0 ? `${p.done} of ${p.total} done` : `${p.done} done${p.leftMs !== undefined ? `, ${formatMs(p.leftMs)} left` : ''}`;
  return [done, ...figures].join(', ');
}
