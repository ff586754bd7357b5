import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, githubReporter, renderAnnotations } from './github.js';
import { sampleRecord, unreachableRecord } from './test-support/records.js';

describe('github reporter', () => {
  it('annotates each failure at its line in the suite file and each flaky case as a warning', () => {
    const lines = renderAnnotations(sampleRecord());
    expect(lines[0]).toBe('::error file=suites/smoke.suite.yaml,line=4,title=FAIL smoke/identify::step 1 (do identify): does not match%0Atroubleshoot: Check <img src=x onerror=alert(1)> the cable');
    expect(lines).toContain('::error file=suites/sales.suite.yaml,title=TIMEOUT sales/sale::no answer');
    expect(lines).toContain('::warning file=suites/smoke.suite.yaml,line=12,title=FLAKY smoke/flaky::passed on attempt 2 of 2; attempt 1: FAIL — first try failed');
    expect(lines).toHaveLength(3);
  });

  it('annotates a run that could not go on once', () => {
    expect(renderAnnotations(unreachableRecord())).toEqual([
      '::error title=poshil%3A the run could not go on [E_PORT_NOT_FOUND]::serial port /dev/ttyUSB0 does not exist%0Ahint: poshil ports lists the serial ports',
    ]);
  });

  it('annotates a plan not met at its file', () => {
    const record = sampleRecord();
    record.inputs = [...record.inputs, { kind: 'plan', path: 'suites/plans/acceptance.plan.yaml', sha256: 'c'.repeat(64) }];
    record.plan = { id: 'acceptance', version: '2', met: false, reasons: ['mandatory case smoke/identify FAIL', 'pass rate 60 % below 100 %'] };
    expect(renderAnnotations(record)[0]).toBe('::error file=suites/plans/acceptance.plan.yaml,title=poshil%3A plan acceptance 2 not met::mandatory case smoke/identify FAIL%0Apass rate 60 %25 below 100 %25');
  });

  it('escapes what workflow commands treat as special', () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c')).toBe('a%3Ab%2Cc');
  });

  it('ends with the recap and the counts', () => {
    const chunks: string[] = [];
    void githubReporter({ stream: { write: (t: string) => chunks.push(t) } as unknown as NodeJS.WritableStream }).onRunEnd?.(sampleRecord());
    expect(chunks.join('')).toMatch(/::warning[^\n]+\n\nFailures \(2\):[\s\S]+TIMEOUT 1 passed, 1 flaky/);
  });
});
