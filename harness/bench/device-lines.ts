/**
 * The console of a bench run, where many devices report at once.
 *
 * Piped (CI logs): every event is one whole line (one write) starting with its device's name, and
 * every finished case is listed, passing or not, so the log shows which device ran which case.
 * On a terminal: one live status line per device, redrawn in place, with what did not pass
 * printed above them as lasting lines — never interleaved half-lines.
 */
import type { CaseRecord, RunHeader } from '../core/record.js';
import type { Reporter } from '../reporters/reporter.js';

export interface BenchConsole {
  /** An event of one device; `lasting` ones stay on screen on a terminal (failures, skips). */
  show(device: string, text: string, lasting: boolean): void;
  progress(device: string, done: number, planned: number): void;
  /** The run is over: leave the status lines as they are and stop redrawing. */
  end(): void;
}

interface Stream {
  write(text: string): unknown;
}

export function pipedConsole(devices: readonly string[], stream: Stream): BenchConsole {
  const width = Math.max(0, ...devices.map((d) => d.length));
  return {
    show: (device, text) => void stream.write(`${device.padEnd(width)}  ${text}\n`),
    progress: () => undefined,
    end: () => undefined,
  };
}

export function liveConsole(devices: readonly string[], stream: Stream): BenchConsole {
  const width = Math.max(0, ...devices.map((d) => d.length));
  const status = new Map<string, { text: string; done: number; planned: number }>(devices.map((d) => [d, { text: 'waiting', done: 0, planned: 0 }]));
  let drawn = 0;
  let ended = false;
  const board = () =>
    [...status].map(([device, s]) => `\x1b[2K${device.padEnd(width)}  ${s.planned > 0 ? `[${s.done}/${s.planned}] ` : ''}${s.text}`.slice(0, 200) + '\n').join('');
  // One write per redraw: to the start of the first status line (CPL, not a carriage return a tty may translate), clear to the end, write what is new.
  const redraw = (above = '') => {
    if (ended) return;
    stream.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${above}${board()}`);
    drawn = status.size;
  };
  return {
    show(device, text, lasting) {
      const s = status.get(device);
      if (s) s.text = text;
      redraw(lasting ? `${device.padEnd(width)}  ${text}\n` : '');
    },
    progress(device, done, planned) {
      const s = status.get(device);
      if (s) Object.assign(s, { done, planned });
    },
    end() {
      redraw();
      ended = true;
    },
  };
}

export function deviceLineReporter(device: string, out: BenchConsole): Reporter {
  let planned = 0;
  let done = 0;
  return {
    name: `console:${device}`,
    onRunStart(header: RunHeader, cases: number) {
      planned = cases;
      out.progress(device, 0, planned);
      out.show(device, `start   ${cases} case${cases === 1 ? '' : 's'} on ${header.device.name} (${header.device.protocol})`, false);
    },
    onCaseEnd(record: CaseRecord) {
      out.progress(device, ++done, planned);
      const retries = record.attempts.length > 1 ? `, ${record.attempts.length} attempts` : '';
      const reason = record.outcome !== 'PASS' && record.reason ? ` — ${record.reason.replace(/\s*\n\s*/g, ' ')}` : '';
      out.show(device, `${record.outcome.padEnd(7)} ${record.suite}/${record.id} (${record.durationMs} ms${retries})${reason}`, record.outcome !== 'PASS' && record.outcome !== 'SKIPPED');
    },
  };
}
