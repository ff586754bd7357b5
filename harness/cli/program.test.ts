import { describe, expect, it } from 'vitest';
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
