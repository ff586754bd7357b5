import { describe, expect, it } from 'vitest';
import { summarize, type RunRecord } from '../core/record.js';
import { renderBenchHtml } from './bench-html.js';
import { renderBenchJunit, worstExitCode, type BenchSummary } from './summary.js';

describe('worstExitCode', () => {
  it.each([
    [[], 0],
    [[0, 0], 0],
    [[0, 1], 1],
    [[1, 3, 0], 3],
    [[2, 1], 2],
    [[3, 130, 1], 130],
  ])('of %j is %d', (codes, worst) => {
    expect(worstExitCode(codes)).toBe(worst);
  });
});

function record(runId: string): RunRecord {
  const suites = [
    {
      id: 'smoke',
      file: 'suites/smoke.suite.yaml',
      sha256: 'x',
      cases: [
        { id: 'identify', suite: 'smoke', mandatory: true, outcome: 'PASS' as const, startedAt: '2026-11-25T10:00:00.000Z', durationMs: 5, attempts: [] },
        { id: 'status', suite: 'smoke', mandatory: true, outcome: 'FAIL' as const, reason: 'state <busy>', startedAt: '2026-11-25T10:00:00.000Z', durationMs: 5, attempts: [] },
      ],
    },
  ];
  return {
    schemaVersion: 1,
    runId,
    tool: { name: 'poshil', version: '0.1.0', node: 'v20' },
    host: 'lab',
    startedAt: '2026-11-25T10:00:00.000Z',
    options: { retries: 0 },
    device: { profile: 'p.json', name: 'sim', protocol: 'bench', address: 'tcp://127.0.0.1:1' },
    inputs: [],
    status: 'finished',
    durationMs: 10,
    suites,
    summary: summarize(suites),
  };
}

describe('renderBenchJunit', () => {
  it('has a testsuite per device × suite, named by the device, and totals over all', () => {
    const xml = renderBenchJunit([
      { device: 'counter-1', record: record('a') },
      { device: 'counter-2', record: record('b') },
    ]);
    expect(xml).toMatch(/^<\?xml[^\n]*\n<testsuites name="poshil bench" tests="4" failures="2" errors="0" skipped="0">/);
    expect(xml.match(/<testsuite name="counter-\d\/smoke"/g)).toEqual(['<testsuite name="counter-1/smoke"', '<testsuite name="counter-2/smoke"']);
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
    expect(xml.match(/<testsuites/g)).toHaveLength(1);
  });
});

describe('renderBenchHtml', () => {
  it('shows a device × suite matrix and escapes what devices said', () => {
    const summary: BenchSummary = {
      kind: 'poshil.bench-run',
      schemaVersion: 2,
      benchRunId: 'b1',
      bench: { name: 'lab', file: 'lab.bench.yaml', sha256: 'x' },
      selection: '',
      mode: 'fleet',
      host: 'lab',
      startedAt: '2026-11-25T10:00:00.000Z',
      finishedAt: '2026-11-25T10:00:01.000Z',
      durationMs: 1000,
      exitCode: 1,
      devices: [
        {
          device: 'counter-1',
          labels: {},
          address: 'sim',
          outcome: 'FAIL',
          exitCode: 1,
          runDir: 'counter-1',
          identity: { model: '<script>alert(1)</script>', serialNumber: 'S1', firmware: '2.1' },
          cases: [
            { suite: 'smoke', id: 'identify', outcome: 'PASS' },
            { suite: 'smoke', id: 'status', outcome: 'FAIL' },
          ],
          health: { state: 'good', reason: 'answered' },
        },
        { device: 'counter-2', labels: {}, address: 'sim', outcome: 'NOT-RUN', cases: [], skipped: 'quarantined: 3 runs in a row', health: { state: 'quarantined', reason: '3 runs in a row' } },
      ],
    };
    const html = renderBenchHtml(summary);
    expect(html).toContain('<span class="badge FAIL">1/2</span>');
    expect(html).toContain('<a href="counter-1/report.html">counter-1</a>');
    expect(html).toContain('quarantined: 3 runs in a row');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;');
  });
});
