/**
 * The poshil command line (started by main.ts). Every command lives in commands/; this file wires
 * them into one commander program and is the boundary where a PoshilError becomes a message and an
 * exit code.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, PoshilError, formatError } from '../core/errors.js';
import { poshilVersion } from '../core/paths.js';
import { registerBench } from './commands/bench.js';
import { registerCertify } from './commands/certify.js';
import { registerCompare } from './commands/compare.js';
import { registerDecode } from './commands/decode.js';
import { registerKeygen, registerVerify } from './commands/keys.js';
import { registerLab } from './commands/lab.js';
import { registerPorts } from './commands/ports.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSim } from './commands/sim.js';
import { registerValidate } from './commands/validate.js';
import { EXIT_CODES_HELP } from './help.js';

export function buildProgram(): Command {
  const program = new Command('poshil')
    .description('Hardware-in-the-loop test and certification harness for POS payment terminals.')
    .version(poshilVersion(), '-V, --version')
    .showHelpAfterError('(poshil --help lists the commands)')
    .addHelpText('after', `\nExamples:\n  $ poshil run --device devices/simulator.json           all bundled suites on the simulator\n  $ poshil run --device devices/my-terminal.json suites/smoke.suite.yaml\n  $ poshil sim --tcp 127.0.0.1:20007                      a simulated terminal to explore by hand\n  $ poshil validate suites/*.suite.yaml devices/*.json\n${EXIT_CODES_HELP}`);
  program.exitOverride();
  registerRun(program);
  registerSim(program);
  registerValidate(program);
  registerCertify(program);
  registerKeygen(program);
  registerVerify(program);
  registerCompare(program);
  registerDecode(program);
  registerPorts(program);
  registerReport(program);
  registerBench(program);
  registerLab(program);
  // Each command names itself in the line after an error, e.g. "(poshil run --help shows …)".
  for (const command of program.commands) command.showHelpAfterError(`(poshil ${command.name()} --help shows the options and examples)`);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
    }
    if (error instanceof PoshilError) {
      process.stderr.write(formatError(error) + '\n');
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`poshil: internal error: ${message}\n  hint:  this is a bug in poshil; POSHIL_DEBUG=1 prints the stack\n`);
    if (process.env['POSHIL_DEBUG'] && error instanceof Error) process.stderr.write((error.stack ?? '') + '\n');
    return ExitCode.deviceError;
  }
}
