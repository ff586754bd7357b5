import { describe, expect, it } from 'vitest';
import type { CaseRecord, RunHeader } from '../core/record.js';
import { deviceLineReporter, liveConsole, pipedConsole } from './device-lines.js';

const header = { device: { name: 'sim', protocol: 'bench' } } as RunHeader;
const done = (id: string, outcome: CaseRecord['outcome'], reason?: string): CaseRecord => ({ id, suite: 'smoke', mandatory: true, outcome, startedAt: '', durationMs: 7, attempts: [], ...(reason ? { reason } : {}) });

function sink() {
  const writes: string[] = [];
  return { writes, stream: { write: (text: string) => writes.push(text) } };
}

describe('pipedConsole', () => {
  it('writes every case as one whole line carrying its device, passing ones too', () => {
    const { writes, stream } = sink();
    const out = pipedConsole(['a', 'long-name'], stream);
    const a = deviceLineReporter('a', out);
    const b = deviceLineReporter('long-name', out);
    a.onRunStart!(header, 2);
    b.onRunStart!(header, 1);
    a.onCaseEnd!(done('identify', 'PASS'));
    b.onCaseEnd!(done('identify', 'FAIL', 'firmware\n2.0'));
    a.onCaseEnd!(done('status', 'PASS'));
    expect(writes).toEqual([
      'a          start   2 cases on sim (bench)\n',
      'long-name  start   1 case on sim (bench)\n',
      'a          PASS    smoke/identify (7 ms)\n',
      'long-name  FAIL    smoke/identify (7 ms) — firmware 2.0\n',
      'a          PASS    smoke/status (7 ms)\n',
    ]);
  });
});

describe('liveConsole', () => {
  it('redraws one status line per device in place, in one write each, and keeps what did not pass above them', () => {
    const { writes, stream } = sink();
    const out = liveConsole(['a', 'b'], stream);
    const a = deviceLineReporter('a', out);
    const b = deviceLineReporter('b', out);
    a.onRunStart!(header, 2);
    b.onRunStart!(header, 1);
    a.onCaseEnd!(done('identify', 'PASS'));
    b.onCaseEnd!(done('identify', 'ERROR', 'no answer'));
    out.end();
    // The first draw has nothing to go back over; every later one goes up the two status lines.
    expect(writes[0]).not.toContain('\x1b[2F');
    for (const write of writes.slice(1)) expect(write.startsWith('\x1b[2F\x1b[J')).toBe(true);
    const last = writes.at(-1)!;
    expect(last).toContain('a  [1/2] PASS    smoke/identify (7 ms)\n');
    expect(last).toContain('b  [1/1] ERROR   smoke/identify (7 ms) — no answer\n');
    // The failure is printed once as a lasting line, above the board.
    const lasting = writes.join('').split('b  ERROR   smoke/identify').length - 1;
    expect(lasting).toBe(1);
    // After end() nothing is redrawn.
    out.show('a', 'late', false);
    expect(writes.at(-1)).toBe(last);
  });
});
