/**
 * The poshil command line (started by main.ts). Every command lives in commands/; this file wires
 * them into one commander program and is the boundary where a PoshilError becomes a message and an
 * exit code.
 */
import { Command, CommanderError, Help, type Option } from 'commander';
import { ExitCode, PoshilError, formatError } from '../core/errors.js';
import { poshilVersion } from '../core/paths.js';
import { EXIT_CODES_HELP } from './help.js';
import { COMMAND_SUMMARIES, type CommandName } from './commands/summaries.js';
import { refusedByDatabase } from './database-refusal.js';

type Registrar = (program: Command) => void;

/**
 * Each command's module. It (and what it imports) loads only when that command runs or shows its
 * help: `poshil sim`, which every run starts, boots that much sooner, and `poshil --help` lists
 * the commands from their summaries without loading any.
 */
const COMMANDS: Record<CommandName, () => Promise<Registrar>> = {
  run: async () => (await import('./commands/run.js')).registerRun,
  sim: async () => (await import('./commands/sim.js')).registerSim,
  validate: async () => (await import('./commands/validate.js')).registerValidate,
  certify: async () => (await import('./commands/certify.js')).registerCertify,
  keygen: async () => (await import('./commands/keys.js')).registerKeygen,
  verify: async () => (await import('./commands/keys.js')).registerVerify,
  compare: async () => (await import('./commands/compare.js')).registerCompare,
  decode: async () => (await import('./commands/decode.js')).registerDecode,
  ports: async () => (await import('./commands/ports.js')).registerPorts,
  report: async () => (await import('./commands/report.js')).registerReport,
  bench: async () => (await import('./commands/bench.js')).registerBench,
  lab: async () => (await import('./commands/lab.js')).registerLab,
};

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMANDS, name);

/**
 * The program with the command `argv` names (`poshil run …`, `poshil help run`); without one,
 * every command as its summary, which is all the top-level help and an unknown command's
 * suggestion need. `full` registers every command's module instead (for the test that checks
 * the summaries against them).
 */
export async function buildProgram(argv: readonly string[] = [], full = false): Promise<Command> {
  // `poshil -- run …` names its command after the `--`, which commander dispatches as well.
  const words = argv[0] === '--' ? argv.slice(1) : argv;
  const name = words[0] === 'help' ? words[1] : words[0];
  const program = new Command('poshil')
    .description('Hardware-in-the-loop test and certification harness for POS payment terminals.')
    .version(poshilVersion(), '-V, --version')
    .showHelpAfterError('(poshil --help lists the commands)')
    .addHelpText('after', `\nExamples:\n  $ poshil run --device devices/simulator.json           all bundled suites on the simulator\n  $ poshil run --device devices/my-terminal.json suites/smoke.suite.yaml\n  $ poshil sim --tcp 127.0.0.1:20007                      a simulated terminal to explore by hand\n  $ poshil validate suites/*.suite.yaml devices/*.json\n${EXIT_CODES_HELP}`);
  program.exitOverride();
  if (isCommand(name)) (await COMMANDS[name]())(program);
  else if (full) for (const load of Object.values(COMMANDS)) (await load())(program);
  else listCommands(program);
  // Each command names itself in the line after an error, e.g. "(poshil run --help shows …)".
  for (const command of program.commands) command.showHelpAfterError(`(poshil ${command.name()} --help shows the options and examples)`);
  for (const command of [program, ...allCommands(program)]) for (const option of command.options) plainDefault(option);
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

/** Option values arrive as text, so their defaults are text too; help shows them as typed: `(default: 1500)`, not `"1500"`. */
function plainDefault(option: Option): void {
  if (option.defaultValueDescription !== undefined) return;
  if (Array.isArray(option.defaultValue) && option.defaultValue.length === 0) option.defaultValueDescription = 'none';
  if (typeof option.defaultValue !== 'string') return;
  option.defaultValueDescription = option.defaultValue === '' ? 'none' : /^[\w.,:/=-]+$/.test(option.defaultValue) ? option.defaultValue : JSON.stringify(option.defaultValue);
}

/** Every command by its summary, as placeholders that only the help reads. */
function listCommands(program: Command): void {
  for (const [name, summary] of Object.entries(COMMAND_SUMMARIES)) program.command(name).description(summary.description);
  const help = new Help();
  program.configureHelp({ subcommandTerm: (command) => (isCommand(command.name()) ? COMMAND_SUMMARIES[command.name() as CommandName].term : help.subcommandTerm(command)) });
}

export async function main(argv: readonly string[]): Promise<number> {
  // `poshil panle --help` names a command that does not exist: say so (with commander's
  // suggestion) rather than answer with the top-level help and exit 0 as if it did.
  const first = argv[0];
  const words = first !== undefined && !first.startsWith('-') && first !== 'help' && !isCommand(first) ? [first] : argv;
  try {
    await (await buildProgram(words)).parseAsync([...words], { from: 'user' });
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
    const refused = refusedByDatabase(error);
    if (refused) {
      process.stderr.write(formatError(refused) + '\n');
      return refused.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`poshil: internal error: ${message}\n  hint:  this is a bug in poshil; POSHIL_DEBUG=1 prints the stack\n`);
    if (process.env['POSHIL_DEBUG'] && error instanceof Error) process.stderr.write((error.stack ?? '') + '\n');
    return ExitCode.deviceError;
  }
}
