import { describe, expect, it } from 'vitest';
import { ConsoleReporter } from './console.js';
import { sampleRecord } from './test-support/records.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 80, write: (text: string) => (chunks.push(text), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

describe('ConsoleReporter', () => {
  const record = sampleRecord();

  it('prints only the cases that did not pass, and the summary, when not on a TTY', () => {
    const { stream, text } = fakeStream(false);
    const reporter = new ConsoleReporter({ stream, outputs: () => ({ report: 'out/report.html' }) });
    for (const c of record.suites.flatMap((s) => s.cases)) reporter.onCaseEnd(c);
    reporter.onRunEnd(record);
    const out = text();
    expect(out).not.toMatch(/PASS\s+smoke\/flaky/);
    expect(out).toContain('FAIL    smoke/identify');
    expect(out).toContain('troubleshoot: Check <img');
    expect(out).toContain('TIMEOUT 2 passed, 1 failed, 1 timed out, 1 skipped of 5 cases');
    expect(out).toContain('report     out/report.html');
    expect(out).not.toContain('\x1b[');
  });

  it('colours on a TTY unless NO_COLOR is set', () => {
    const previous = process.env['NO_COLOR'];
    try {
      delete process.env['NO_COLOR'];
      const colour = fakeStream(true);
      new ConsoleReporter({ stream: colour.stream }).onRunEnd(record);
      expect(colour.text()).toContain('\x1b[33mTIMEOUT');
      process.env['NO_COLOR'] = '1';
      const plain = fakeStream(true);
      new ConsoleReporter({ stream: plain.stream }).onRunEnd(record);
      expect(plain.text()).not.toMatch(/\x1b\[\d+m/);
    } finally {
      if (previous === undefined) delete process.env['NO_COLOR'];
      else process.env['NO_COLOR'] = previous;
    }
  });
});
