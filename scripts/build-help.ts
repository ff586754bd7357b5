/**
 * Part of `npm run build`: writes what `poshil --help` prints at 80 columns to
 * dist/harness/cli/help.txt, so that `poshil --help` can print it without loading commander
 * (main.ts), as `--version` does; commander's own load is ~1.3× Node's start on a 2-core machine.
 * program.test.ts checks the file against the program.
 */
import { writeFileSync } from 'node:fs';
import { helpAt80Columns, prebuiltHelpPath } from '../harness/cli/prebuilt-help.js';

writeFileSync(prebuiltHelpPath(), await helpAt80Columns());
console.log(`help: poshil --help written to ${prebuiltHelpPath()}`);
