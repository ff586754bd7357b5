import { describe, expect, it } from 'vitest';
import { failureKindOf, troubleshootFor } from './failure-kind.js';
import type { StepRecord } from './record.js';

const step = (partial: Partial<StepRecord>): StepRecord => ({ index: 0, kind: 'await', label: 'await x', outcome: 'FAIL', startedAt: '', durationMs: 1, ...partial });

describe('failureKindOf', () => {
  it('tells a lost link, a time-out, a limit, a refusal, a schema mismatch and anything else apart', () => {
    expect(failureKindOf(step({ outcome: 'ERROR', reason: 'the link closed [E_LINK_CLOSED]' }))).toBe('link');
    expect(failureKindOf(step({ outcome: 'TIMEOUT', reason: 'no answer within 2000 ms [E_REPLY_TIMEOUT]' }))).toBe('timeout');
    expect(failureKindOf(step({ measurements: [{ name: 't', value: 4000, unit: 'ms', limits: { max: 3000 }, verdict: 'FAIL' }], observed: { result: 'approved' } }))).toBe('limit');
    expect(failureKindOf(step({ kind: 'do', observed: { error: { code: 'BUSY', message: 'busy' } } }))).toBe('refused');
    expect(failureKindOf(step({ observed: { event: 'transaction.completed', data: { result: 'declined', txnId: 'T1' } }, issues: [{ path: '/result', message: 'must be equal to constant' }] }))).toBe('refused');
    expect(failureKindOf(step({ kind: 'do', observed: { result: { result: 'DECLINED' } } }))).toBe('refused');
    expect(failureKindOf(step({ observed: { event: 'card.read', data: { result: 'approved', maskedPan: '4111' } }, issues: [{ path: '/maskedPan', message: 'must match' }] }))).toBe('schema');
    expect(failureKindOf(step({ outcome: 'ERROR', reason: 'internal error: x' }))).toBe('other');
    // A stimulus command that failed is the bench's error, not a refusal by the terminal.
    expect(failureKindOf(step({ kind: 'stimulus', outcome: 'ERROR', reason: 'stimulus swipe via exec failed: COMMAND_FAILED false exited with 1', observed: { ok: false, error: { code: 'COMMAND_FAILED', message: 'false exited with 1' } } }))).toBe('other');
  });
});

describe('troubleshootFor', () => {
  it('keeps a single text for every kind and picks by kind, falling back to other, or gives none', () => {
    expect(troubleshootFor('check the cable', 'limit')).toBe('check the cable');
    const texts = { refused: 'is the card valid?', other: 'read the log' };
    expect(troubleshootFor(texts, 'refused')).toBe('is the card valid?');
    expect(troubleshootFor(texts, 'limit')).toBe('read the log');
    expect(troubleshootFor({ refused: 'x' }, 'limit')).toBeUndefined();
    expect(troubleshootFor(undefined, 'limit')).toBeUndefined();
  });
});
