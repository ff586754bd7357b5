import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../core/paths.js';
import { helpAt80Columns, prebuiltHelpPath } from './prebuilt-help.js';
import { buildProgram } from './program.js';

describe('the command list of poshil --help', () => {
  it('is drawn from the summaries exactly as the commands themselves would draw it', async () => {
    const quick = await buildProgram(['--help']);
    const full = await buildProgram(['--help'], true);
    expect(quick.commands.map((command) => command.name())).toEqual(full.commands.map((command) => command.name()));
    expect(quick.helpInformation()).toBe(full.helpInformation());
  });

  it('loads the named command only: for its own help, for `help NAME` and after `--`', async () => {
    for (const argv of [['decode', '--help'], ['help', 'decode'], ['--', 'decode']]) {
      const program = await buildProgram(argv);
      expect(program.commands.map((command) => command.name())).toEqual(['decode']);
      expect(program.commands[0]?.helpInformation()).toContain('<format> <input>');
    }
  });
});

describe('poshil --help made at build time', () => {
  it('is what commander prints at 80 columns, and what a piped poshil --help and -h print', async () => {
    const expected = await helpAt80Columns();
    expect(expected).toContain('Examples:');
    expect(readFileSync(prebuiltHelpPath(), 'utf8')).toBe(expected);
    for (const flag of ['--help', '-h']) expect(execFileSync(process.execPath, [join(packageRoot(), 'dist/harness/cli/main.js'), flag], { encoding: 'utf8' })).toBe(expected);
  });
});

describe('an unknown command', () => {
  it('is exit 2 with commander\'s suggestion, also when --help follows it', () => {
    for (const argv of [['rn'], ['rn', '--help'], ['rn', '-h', 'suites/smoke.suite.yaml']]) {
      const result = spawnSync(process.execPath, [join(packageRoot(), 'dist/harness/cli/main.js'), ...argv], { encoding: 'utf8' });
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain("error: unknown command 'rn'");
      expect(result.stderr).toContain('(Did you mean run?)');
    }
  });
});
