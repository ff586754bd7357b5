import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsoleReporter, progressText, type ConsoleStyle } from './console.js';
import type { CaseRef } from './reporter.js';
import { interruptedRecord, sampleRecord, unreachableRecord } from './test-support/records.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 80, write: (text: string) => (chunks.push(text), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

function replay(style: ConsoleStyle, record = sampleRecord(), isTTY = false) {
  const { stream, text } = fakeStream(isTTY);
  const reporter = new ConsoleReporter({ style, stream, outputs: () => ({ report: 'out/report.html' }) });
  reporter.onRunStart(record, record.summary.total);
  for (const c of record.suites.flatMap((s) => s.cases)) reporter.onCaseEnd(c);
  reporter.onRunEnd(record);
  return text();
}

describe('ConsoleReporter', () => {
  afterEach(() => vi.useRealTimers());

  it('list, piped: a line per case with its duration, passes included, then the recap and the counts', () => {
    const out = replay('list');
    expect(out).toContain('device Bench <1> (bench) at tcp://127.0.0.1:1');
    expect(out).toMatch(/✓ PASS {4}smoke\/throughput \(40 ms\) marginal\n/);
    expect(out).toContain('Marginal (1): passed, but inside the band before a limit\n  ~ smoke/throughput: p95 80 ms (marginal above 60, limit 100 ms)');
    expect(out).toMatch(/± FLAKY {3}smoke\/flaky \(40 ms, passed on attempt 2 of 2\)/);
    expect(out).toMatch(/✗ FAIL {4}smoke\/identify \(40 ms\)\n {10}step 1 \(do identify\): does not match/);
    expect(out).toContain('Failures (2):\n  1) FAIL smoke/identify');
    expect(out).toContain('     troubleshoot (answer does not match): Check <img');
    expect(out).toContain('Flaky (1):\n  ± smoke/flaky: passed on attempt 2 of 2; attempt 1: FAIL — first try failed');
    expect(out).toContain('TIMEOUT 1 passed, 1 flaky, 1 failed, 1 timed out, 1 skipped of 5 cases');
    expect(out).toContain('terminal Model <X> & "Co" s/n SN-1 firmware 1.0');
    expect(out).toContain('report     out/report.html');
    expect(out).not.toContain('\x1b[');
    // The recap comes before the counts, the files last.
    expect(out.indexOf('Failures (2)')).toBeLessThan(out.indexOf('TIMEOUT 1 passed'));
    expect(out.indexOf('TIMEOUT 1 passed')).toBeLessThan(out.indexOf('report     out'));
  });

  it('line: only what did not pass plainly, and the same recap', () => {
    const out = replay('line');
    expect(out).not.toMatch(/PASS +smoke\/throughput/);
    expect(out).toContain('Marginal (1):');
    expect(out).toContain('FLAKY   smoke/flaky');
    expect(out).toContain('FAIL    smoke/identify');
    expect(out).toContain('Failures (2):');
  });

  it('dot: one character per case', () => {
    const out = replay('dot');
    expect(out).toContain('F±·T-\n');
    expect(out).toContain('Flaky (1):');
  });

  it('names the firmware at the start and, when the run changed it, the one at the end', () => {
    const record = sampleRecord();
    const identity = record.device.identity!;
    record.device = { ...record.device, identityAtStart: { ...identity, firmware: '1.4.2' }, identity: { ...identity, firmware: '1.5.0' } };
    expect(replay('list', record)).toContain('firmware 1.4.2 (1.5.0 at the end of the run)');
  });

  it('prints a line for each time the link dropped: expected or not, and where it came back, if it did', () => {
    const record = sampleRecord();
    const base = { downAt: '2026-11-26T00:48:53.720Z', cause: 'the link is closed', addressBefore: 'serial:/dev/pts/1', attempts: 3 };
    record.outages = [
      { ...base, backAt: '2026-11-26T00:48:54.128Z', downMs: 408, expected: true, during: 'upgrade/keeps-data step 9 (do upgrade)', addressAfter: 'serial:/dev/pts/3' },
      { ...base, downMs: 1500, expected: false, during: 'between cases', gaveUp: 'it did not come back within 1500 ms' },
    ];
    const out = replay('list', record);
    expect(out).toMatch(/link dropped at 00:48:53 \(expected, upgrade\/keeps-data step 9 \(do upgrade\)\), back after \d.* at serial:\/dev\/pts\/3\n/);
    expect(out).toMatch(/link dropped at 00:48:53 \(unexpected, between cases\), not back after /);
  });

  it("shows a terminal's control characters as escapes, so it cannot write lines of its own into a CI log", () => {
    const record = sampleRecord();
    const hostile = '1.4.2\n::error file=x,line=1::injected\n::stop-commands::x\r\x1b[2Kfake PASS\u2028';
    record.device.identity = { ...record.device.identity!, firmware: hostile };
    record.suites[0]!.cases[0]!.reason = `the terminal refused sale: BUSY ${hostile}`;
    // A suite's author is no more trusted: a title is text for one line too.
    record.suites[0]!.cases[0]!.title = `first line\n::error file=x.yml,line=1::from a title\n\x1b[31m`;
    for (const style of ['list', 'line', 'dot'] as const) {
      const out = replay(style, record);
      expect(out.split('\n').filter((line) => line.startsWith('::'))).toEqual([]);
      expect(out).not.toMatch(/[\r\x1b\u2028]/);
      expect(out).toContain('firmware 1.4.2\\x0a::error file=x,line=1::injected\\x0a::stop-commands::x\\x0d\\x1b[2Kfake PASS\\u2028');
      expect(out).toContain('BUSY 1.4.2 ::error');
    }
  });

  it('after Ctrl-C prints one line for the cases never run, not a line each', () => {
    const out = replay('list', interruptedRecord(30));
    expect(out).toContain('INTERRUPTED 30 cases not run');
    expect(out).not.toContain('never-');
    expect(out).not.toContain('do not show me');
    expect(out.indexOf('30 cases not run')).toBeLessThan(out.indexOf('Failures (1)'));
  });

  it('after Ctrl-C counts the case it stopped mid-way apart from those never run, so the counts add up', () => {
    const record = interruptedRecord(12);
    const stopped = record.suites[0]!.cases[0]!;
    record.suites[0]!.cases[0] = { ...stopped, outcome: 'ABORTED', attempts: stopped.attempts.map((a) => ({ ...a, outcome: 'ABORTED' })) };
    record.summary = { ...record.summary, failed: 0, errors: 0, aborted: 13 };
    const out = replay('list', record);
    expect(out).toContain('INTERRUPTED 1 case stopped mid-way, 12 cases not run');
    expect(out).toContain('13 aborted of 13 cases');
  });

  it('a run that could not go on gives its reason first, then the rest', () => {
    const out = replay('list', unreachableRecord());
    const end = out.slice(out.indexOf('to run'));
    expect(end).toMatch(/^to run\n\nERROR the run could not go on: serial port \/dev\/ttyUSB0 does not exist \[E_PORT_NOT_FOUND\]\n {2}hint: poshil ports/);
    expect(end).toContain('ERROR no case ran');
  });

  it('when piped, prints a heartbeat for a long step with the load progress against its limit', () => {
    vi.useFakeTimers();
    const { stream, text } = fakeStream(false);
    const reporter = new ConsoleReporter({ stream, heartbeatMs: 10_000 });
    const ref: CaseRef = { suite: 'throughput', id: 'sustained', attempt: 1 };
    reporter.onStepStart(ref, { index: 0, label: 'load 500 × sale', timeoutMs: 600_000 });
    let done = 0;
    reporter.onStepProgress(ref, () => ({ done, total: 500, figures: [{ name: 'p50', value: 120, unit: 'ms', max: 200 }] }));
    vi.advanceTimersByTime(9_000);
    expect(text()).toBe('');
    done = 40;
    vi.advanceTimersByTime(1_000);
    expect(text()).toMatch(/^ {2}… throughput\/sustained · load 500 × sale: running 10\.\d s, 40 of 500 done, p50 120 ms \(limit ≤ 200 ms\)\n$/);
    reporter.onStepEnd(ref, { index: 0, kind: 'load', label: 'load 500 × sale', outcome: 'PASS', startedAt: '', durationMs: 10_500 });
    vi.advanceTimersByTime(30_000);
    expect(text().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('colours on a TTY unless NO_COLOR is set, and anywhere FORCE_COLOR asks for it', () => {
    const record = sampleRecord();
    const previous = { NO_COLOR: process.env['NO_COLOR'], FORCE_COLOR: process.env['FORCE_COLOR'] };
    const coloured = (tty: boolean) => {
      const out = fakeStream(tty);
      new ConsoleReporter({ stream: out.stream }).onRunEnd(record);
      return /\x1b\[33mTIMEOUT/.test(out.text());
    };
    try {
      delete process.env['NO_COLOR'];
      delete process.env['FORCE_COLOR'];
      expect([coloured(true), coloured(false)]).toEqual([true, false]);
      process.env['NO_COLOR'] = '1';
      expect(coloured(true)).toBe(false);
      process.env['FORCE_COLOR'] = '1';
      expect([coloured(true), coloured(false)]).toEqual([true, true]);
      process.env['FORCE_COLOR'] = '0';
      expect(coloured(true)).toBe(false);
    } finally {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('writes progress as "n of N done" with each figure and its limit', () => {
    expect(progressText({ done: 3, total: 10, figures: [{ name: 'p50', value: Number.NaN, unit: 'ms', min: 1 }] })).toBe('3 of 10 done, p50 n/a (limit ≥ 1 ms)');
  });
});

describe('ConsoleReporter after --max-failures', () => {
  it('says the run stopped and how many cases it left, in one line', () => {
    const record = { ...interruptedRecord(4), status: 'finished' as const, options: { retries: 0, maxFailures: 1 } };
    const out = replay('list', record);
    expect(out).toContain('STOPPED after 1 failure (--max-failures 1): 4 cases not run');
    expect(out).not.toContain('never-');
  });
});
