import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { parseReporters, usesStdout } from './choice.js';

describe('parseReporters', () => {
  it('reads several reporters, comma-separated or repeated, with paths for the files', () => {
    expect(parseReporters(['list,junit=out/j.xml', 'github', 'json=out/r.json'])).toEqual([
      { name: 'list' },
      { name: 'junit', path: 'out/j.xml' },
      { name: 'github' },
      { name: 'json', path: 'out/r.json' },
    ]);
  });

  it('rejects an unknown reporter and a path on a console reporter with a clear error', () => {
    expect(() => parseReporters(['lst'])).toThrow(InputError);
    expect(() => parseReporters(['lst'])).toThrow(/unknown reporter "lst"/);
    expect(() => parseReporters(['dot=x.txt'])).toThrow(/takes no path/);
    expect(() => parseReporters(['junit='])).toThrow(/path is empty/);
  });

  it('refuses JSON on standard output beside a console reporter: `| jq` would not parse it', () => {
    expect(() => parseReporters(['json,github'])).toThrow(/--reporter json prints the record to standard output, where github print too/);
    expect(() => parseReporters(['list', 'json'])).toThrow(expect.objectContaining({ context: expect.objectContaining({ hint: expect.stringContaining('--reporter list,json=out/record.json') }) }));
    expect(parseReporters(['json', 'junit=j.xml'])).toEqual([{ name: 'json' }, { name: 'junit', path: 'j.xml' }]);
  });

  it('knows when standard output is taken', () => {
    expect(usesStdout(parseReporters(['junit=x.xml', 'html']))).toBe(false);
    expect(usesStdout(parseReporters(['json']))).toBe(true);
    expect(usesStdout(parseReporters(['json=r.json', 'dot']))).toBe(true);
  });
});
