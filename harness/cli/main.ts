#!/usr/bin/env node
/**
 * The `poshil` executable. `poshil --version` is answered before the command line loads, so that
 * a CI step printing its tools' versions pays little more than Node's own start; everything else
 * goes to the program (program.ts).
 */
import { poshilVersion } from '../core/paths.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${poshilVersion()}\n`);
} else {
  // `poshil … | head` closes the pipe early: that is the reader's choice, not an error to report.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const { main } = await import('./program.js');
  process.exitCode = await main(args);
}
