/** The run record as JSON, to a file or to standard output (for `| jq`). */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter } from './reporter.js';
import { makeFolders } from '../core/folders.js';

export function jsonReporter(path?: string, stream: NodeJS.WritableStream = process.stdout): Reporter {
  return {
    name: 'json',
    onRunEnd(record) {
      const text = JSON.stringify(record, null, 2) + '\n';
      if (!path) {
        stream.write(text);
        return;
      }
      makeFolders(dirname(path));
      writeFileSync(path, text);
    },
  };
}
