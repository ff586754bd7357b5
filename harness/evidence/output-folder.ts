/**
 * Makes sure the folder a run writes into exists and can be written, before anything starts, so
 * that a mistyped `--out` is an input error naming the option rather than a crash in the middle
 * of a run.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../core/errors.js';

export function prepareOutputFolder(path: string, option: string): void {
  const missing: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw refused(option, path, `cannot look at ${dir} (${code})`);
      missing.unshift(dir);
      if (dirname(dir) === dir) break;
      continue;
    }
    if (!isDir) throw refused(option, path, `${dir} is not a folder`);
    break;
  }
  // One level at a time: a recursive mkdir below /proc spins forever on Node 20.
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      throw refused(option, path, `cannot create ${dir} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  try {
    accessSync(path, constants.W_OK);
  } catch {
    throw refused(option, path, `${path} is not writable`);
  }
}

function refused(option: string, path: string, why: string): InputError {
  return new InputError('E_OUTPUT_FOLDER', `${option} ${path}: ${why}`, { hint: `give ${option} a folder poshil may create and write` });
}
