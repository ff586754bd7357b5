/**
 * Results that could not reach the database yet (it restarted, the network dropped) wait in the
 * worker's outbox folder, one file per run, written atomically when an upload failed and removed
 * only after a later upload committed. The run folder beside it is the spool of evidence.
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FinishedRun } from './upload.js';
import { makeFolders } from '../../core/folders.js';

export class Outbox {
  constructor(private readonly dir: string) {
    makeFolders(dir);
  }

  put(run: FinishedRun): void {
    const path = join(this.dir, `${run.runId}.json`);
    writeFileSync(path + '.tmp', JSON.stringify(run));
    renameSync(path + '.tmp', path);
  }

  remove(runId: string): void {
    rmSync(join(this.dir, `${runId}.json`), { force: true });
  }

  pending(): FinishedRun[] {
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as FinishedRun);
  }
}
