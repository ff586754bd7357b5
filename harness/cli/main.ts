#!/usr/bin/env node
/**
 * The `poshil` executable. `poshil --version` and `poshil --help` are answered before the command
 * line loads, so that a CI step printing its tools' versions, or a user asking what poshil does,
 * pays little more than Node's own start; everything else goes to the program (program.ts).
 */
import { readFileSync } from 'node:fs';
import { poshilVersion } from '../core/paths.js';
import { helpIs80Columns, prebuiltHelpPath } from './prebuilt-help.js';

// `poshil … | head` closes the pipe early: that is the reader's choice, not an error to report,
// and not a reason to stop. A run goes on to its end (its record, its exit code): leaving at the
// first write nobody reads left a run cut short that exited 0.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
  throw error;
});

const args = process.argv.slice(2);
const help = args.length === 1 && (args[0] === '--help' || args[0] === '-h') && helpIs80Columns() ? prebuiltHelp() : undefined;
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${poshilVersion()}\n`);
} else if (help !== undefined) {
  process.stdout.write(help);
} else {
  const { main } = await import('./program.js');
  process.exitCode = await main(args);
}

/** The help text the build made (scripts/build-help.ts), if it did. */
function prebuiltHelp(): string | undefined {
  try {
    return readFileSync(prebuiltHelpPath(), 'utf8');
  } catch {
    return undefined;
  }
}
