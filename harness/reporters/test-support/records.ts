import type { CaseRecord, RunRecord, StepRecord } from '../../core/record.js';

const at = '2026-11-24T10:00:00.000Z';

function step(partial: Partial<StepRecord>): StepRecord {
  return { index: 0, kind: 'do', label: 'do identify', outcome: 'PASS', startedAt: at, durationMs: 12, ...partial };
}

function kase(id: string, suite: string, outcome: CaseRecord['outcome'], steps: StepRecord[], extra: Partial<CaseRecord> = {}): CaseRecord {
  return { id, suite, mandatory: true, outcome, startedAt: at, durationMs: 40, attempts: [{ attempt: 1, outcome, startedAt: at, durationMs: 40, steps }], ...extra };
}

/** A record with every outcome, a retry, a measurement, a load step and hostile strings. */
export function sampleRecord(status: RunRecord['status'] = 'finished'): RunRecord {
  const failed = step({
    outcome: 'FAIL',
    reason: 'does not match',
    expected: { result: { properties: { firmware: { const: '9' } } } },
    observed: { result: { firmware: '<script>alert(1)</script>' } },
    issues: [{ path: '/firmware', message: 'must be equal to constant' }],
    transcript: { from: 3, to: 5, excerpt: [{ seq: 3, ms: 1.5, channel: 'link', dir: 'tx', text: '{"id":1,"op":"identify"}' }, { seq: 4, ms: 2.5, channel: 'link', dir: 'rx', text: '{"id":1,"ok":true,"result":{"firmware":"<b>x</b>"}}' }] },
  });
  const load = step({
    kind: 'load',
    label: 'load 100 × sale',
    measurements: [
      { name: 'tps', value: 21.5, unit: 'tps', limits: { min: 10 }, verdict: 'PASS' },
      { name: 'p95', value: 80, unit: 'ms', limits: { max: 100, marginalMax: 60 }, verdict: 'MARGINAL' },
    ],
    details: { latency: { samplesMs: [30, 35, 40, 42, 50, 61, 80], p50: 42, p95: 80, p99: 80, histogram: { bucketMs: 10, counts: [0, 0, 0, 2, 2, 1, 1, 0, 1] } } },
  });
  const retried = kase('flaky', 'smoke', 'PASS', [step({})], {
    flaky: true,
    line: 12,
    attempts: [
      { attempt: 1, outcome: 'FAIL', reason: 'first try failed', startedAt: at, durationMs: 10, steps: [step({ outcome: 'FAIL' })] },
      { attempt: 2, outcome: 'PASS', startedAt: at, durationMs: 10, steps: [step({}), step({ index: 1, kind: 'await', label: 'await printer.output', observed: { event: 'printer.output', data: { copy: 'customer', txnId: 'T1', escpos: '1b40' } } })] },
    ],
  });
  const cases: CaseRecord[] = [
    kase('identify', 'smoke', 'FAIL', [failed], { line: 4, failureKind: 'schema', reason: 'step 1 (do identify): does not match', troubleshoot: 'Check <img src=x onerror=alert(1)> the cable' }),
    retried,
    kase('throughput', 'smoke', 'PASS', [load]),
    kase('sale', 'sales', 'TIMEOUT', [step({ kind: 'await', label: 'await transaction.completed', outcome: 'TIMEOUT', reason: 'no answer' })], { reason: 'no answer' }),
    kase('chip', 'sales', 'SKIPPED', [], { reason: 'the terminal lacks chip', attempts: [] }),
  ];
  return {
    schemaVersion: 1,
    runId: '20261124-100000-abcdef',
    tool: { name: 'poshil', version: '0.1.0', node: 'v20.20.2' },
    host: 'bench-1',
    startedAt: at,
    ...(status === 'finished' ? { finishedAt: at, durationMs: 1234 } : {}),
    options: { retries: 1 },
    device: { profile: 'devices/x.json', name: 'Bench <1>', protocol: 'bench', address: 'tcp://127.0.0.1:1', identity: { model: 'Model <X> & "Co"', serialNumber: 'SN-1', firmware: '1.0', capabilities: ['magstripe'] } },
    inputs: [{ kind: 'suite', path: 'suites/smoke.suite.yaml', sha256: 'a'.repeat(64) }],
    status,
    suites: [
      { id: 'smoke', file: 'suites/smoke.suite.yaml', sha256: 'a'.repeat(64), cases: cases.slice(0, 3) },
      { id: 'sales', file: 'suites/sales.suite.yaml', sha256: 'b'.repeat(64), cases: cases.slice(3) },
    ],
    summary: { total: 5, passed: 2, failed: 1, errors: 0, timeouts: 1, skipped: 1, aborted: 0, flaky: 1, outcome: 'TIMEOUT' },
  };
}

/** A run that never reached its terminal: no case ran, one run-level error. */
export function unreachableRecord(): RunRecord {
  const record = sampleRecord();
  const { identity: _identity, ...device } = record.device;
  return {
    ...record,
    device,
    status: 'error',
    suites: [],
    summary: { total: 0, passed: 0, failed: 0, errors: 0, timeouts: 0, skipped: 0, aborted: 0, flaky: 0, outcome: 'SKIPPED' },
    error: { code: 'E_PORT_NOT_FOUND', message: 'serial port /dev/ttyUSB0 does not exist', hint: 'poshil ports lists the serial ports' },
  };
}

/** Interrupted after the first case: the rest were never started. */
export function interruptedRecord(notRun = 30): RunRecord {
  const record = sampleRecord('interrupted');
  const first = record.suites[0]!.cases[0]!;
  const never = Array.from({ length: notRun }, (_, i) => ({ ...first, id: `never-${i}`, outcome: 'ABORTED' as const, reason: 'not run: the run was interrupted', troubleshoot: 'do not show me', attempts: [] }));
  const suites = [{ ...record.suites[0]!, cases: [first, ...never] }];
  return { ...record, suites, summary: { ...record.summary, total: notRun + 1, passed: 0, timeouts: 0, skipped: 0, flaky: 0, aborted: notRun, outcome: 'ABORTED' } };
}

/** The sample record with a soak: its load step carries four windows, the third over its limit, and hostile strings. */
export function soakRecord(): RunRecord {
  const record = sampleRecord();
  const load = record.suites[0]!.cases[2]!.attempts[0]!.steps[0]!;
  const harness = { rssMiB: 80, heapUsedMiB: 15, loopDelayP99Ms: 1.2, loopDelayMaxMs: 4 };
  const w = (index: number, p99: number, extra: object = {}) => ({ index, startMs: index * 10_000, endMs: (index + 1) * 10_000, transactions: 40, succeeded: 40, successRate: 100, tps: 4, p50: 45, p95: p99 - 5, p99, max: p99 + 1, harness, terminal: { freeMemoryKb: 65_000 - index, temperatureC: 35 + index, state: 'idle' }, ...extra });
  load.label = 'load sale for <b>40s</b>';
  load.details = {
    ...load.details,
    series: {
      windowMs: 10_000,
      drift: { first: 0, last: 3 },
      windows: [w(0, 60), w(1, 62), w(2, 480, { over: ['p99'] }), w(3, 70, { terminal: { error: 'status refused: <script>alert(1)</script>' } })],
    },
  };
  return record;
}
