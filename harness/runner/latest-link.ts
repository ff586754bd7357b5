/**
 * OUT/latest points at the newest run folder, so that README commands and scripts can name the
 * last run (`reports/out/latest/report.html`) without knowing its id. A relative symlink, so that
 * the folder can be moved or archived as a whole.
 */
import { lstatSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export const LATEST = 'latest';

/** Best effort: a file system without symlinks leaves the run itself untouched. */
export function linkLatest(outDir: string, runId: string): boolean {
  const link = join(outDir, LATEST);
  const temporary = join(outDir, `.${LATEST}-${process.pid}`);
  if (existsAsDirectory(link)) return false;
  try {
    // Made aside and renamed over the old link, so that a reader never finds no link at all.
    try {
      unlinkSync(temporary);
    } catch {
      // not there
    }
    symlinkSync(runId, temporary, 'dir');
    renameSync(temporary, link);
    return true;
  } catch {
    return false;
  }
}

/** A real folder called "latest" (made by hand) is not replaced. */
function existsAsDirectory(path: string): boolean {
  try {
    const stat = lstatSync(path);
    return stat.isDirectory() && !stat.isSymbolicLink();
  } catch {
    return false;
  }
}
