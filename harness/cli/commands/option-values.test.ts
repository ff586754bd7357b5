import { describe, expect, it } from 'vitest';
import type { Suite } from '../../config/types.js';
import { inputError } from '../../core/test-support/thrown.js';
import { selectCases } from '../../runner/run.js';
import { runControls } from './option-values.js';

const smoke = { id: 'smoke', cases: [{ id: 'identify' }, { id: 'status-idle', title: 'The terminal is idle' }, { id: 'abort-when-idle' }] } as unknown as Suite;
const chosen = (options: { grep?: string[]; grepInvert?: string[] }) => selectCases(smoke, runControls(options, {}).cases).map((c) => c.id);

describe('--grep and --grep-invert', () => {
  it('take a repeat as an alternative: a case is kept when any --grep matches, left out when any --grep-invert does', () => {
    expect(chosen({ grep: ['identify'] })).toEqual(['identify']);
    expect(chosen({ grep: ['identify', 'STATUS'] })).toEqual(['identify', 'status-idle']);
    expect(chosen({ grep: ['identify', 'terminal is idle'] })).toEqual(['identify', 'status-idle']);
    expect(chosen({ grepInvert: ['identify', 'status'] })).toEqual(['abort-when-idle']);
    expect(chosen({ grep: ['idle'], grepInvert: ['abort', 'nothing'] })).toEqual(['status-idle']);
  });

  it('record the patterns as one expression that chooses the same cases: the text as given, or (?:A)|(?:B)', () => {
    expect(runControls({ grep: ['smoke/identify'] }, {}).grepText).toBe('smoke/identify');
    const { grepText } = runControls({ grep: ['smoke/identify', 'a|status'] }, {});
    expect(grepText).toBe('(?:smoke/identify)|(?:a|status)');
    expect(selectCases(smoke, { grep: new RegExp(grepText!, 'i') }).map((c) => c.id)).toEqual(chosen({ grep: ['smoke/identify', 'a|status'] }));
    expect(runControls({}, {}).grepText).toBeUndefined();
  });

  it('refuse a pattern that is not a regular expression, or that a join would change, naming it', () => {
    expect(inputError(() => runControls({ grep: ['('] }, {})).message).toMatch(/^--grep is not a valid regular expression/);
    expect(inputError(() => runControls({ grep: ['identify', 'x('] }, {})).message).toMatch(/^--grep "x\(" is not a valid regular expression/);
    expect(inputError(() => runControls({ grepInvert: ['a', '(b)\\1'] }, {})).message).toBe('--grep-invert "(b)\\1" refers to a group by number, which changes meaning when --grep-invert is given more than once');
    // Alone, a numbered back-reference means what it says; an escaped backslash before a digit is none.
    expect(runControls({ grep: ['(b)\\1'] }, {}).grepText).toBe('(b)\\1');
    expect(runControls({ grep: ['a', 'x\\\\1'] }, {}).grepText).toBe('(?:a)|(?:x\\\\1)');
  });
});
