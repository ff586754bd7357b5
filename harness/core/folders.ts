/**
 * Folders made one level at a time. Node 20's recursive mkdir spins forever where mkdir answers
 * ENOENT below a folder that exists (under /proc, and on some FUSE and network file systems): a
 * folder a user named there must fail with that error instead of hanging poshil.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** `mkdir -p`: makes the folder and any missing parents (with `mode`); an existing folder is fine. */
export function makeFolders(path: string, mode?: number): void {
  // Most folders asked for are there already: one stat, and no error to build for EEXIST.
  if (isFolder(path)) return;
  try {
    mkdirSync(path, mode === undefined ? undefined : { mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && isFolder(path)) return;
    const parent = dirname(path);
    // With its parent there, ENOENT means this file system makes no folder here.
    if (code !== 'ENOENT' || parent === path || isFolder(parent)) throw error;
    makeFolders(parent, mode);
    makeFolders(path, mode);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}
