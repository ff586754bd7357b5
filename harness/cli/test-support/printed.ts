/** Waiting for a line a child process prints: a server's address, a worker's "registered". */
import type { ResultPromise } from 'execa';

/** The first match of `pattern` in what `child` (started with `all: true`) prints; rejects if it ends first. */
export function printed(child: ResultPromise, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.all!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const found = pattern.exec(text);
      if (found) resolve(found);
    });
    void child.then(() => reject(new Error(`the process ended before printing ${pattern}: ${text}`)));
  });
}
