/**
 * Makes sure the folder a run writes into exists and can be written, before anything starts, so
 * that a mistyped `--out` is an input error naming the option rather than a crash in the middle
 * of a run.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/**
 * A file a reporter writes when the run ends (--junit FILE, --reporter json=FILE): checked before
 * the run, so that a folder or a read-only file given there is said now, not after every case ran.
 */
export function prepareOutputFile(path: string, option: string): void {
  prepareOutputFolder(dirname(path), option);
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return;
  }
  if (stat.isDirectory()) throw new InputError('E_OUTPUT_FILE', `${option} ${path} is a folder; it names the file to write`, { hint: `e.g. ${option} ${join(path, option === '--html' ? 'report.html' : option === '--junit' ? 'junit.xml' : 'record.json')}` });
  try {
    accessSync(path, constants.W_OK);
  } catch {
    throw new InputError('E_OUTPUT_FILE', `${option} ${path} is not writable`, { hint: `give ${option} a file poshil may write` });
  }
}
