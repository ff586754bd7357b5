/**
 * What a lab job runs, carried in the database: the submitted suite or plan files with every file
 * they read (schemas, fixtures), as text, with paths relative to their common folder. A worker on
 * another host writes them out and loads them exactly as `poshil run` would; the bundle's SHA-256
 * names it, so the same files submitted twice are stored once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { InputError } from '../core/errors.js';
import { expandSuitePaths, loadPlanInputs, loadRunInputs } from '../config/inputs.js';
import { packageRoot } from '../core/paths.js';
import { makeFolders } from '../core/folders.js';

export interface BundleFile {
  path: string;
  text: string;
}

export interface Bundle {
  sha256: string;
  files: BundleFile[];
  /** The plan, or the suites, as paths inside the bundle. */
  plan?: string;
  suites: string[];
  disruptive: boolean;
}

/** Reads and checks the submission's files (exit 2 naming file and pointer when one is bad). */
export function makeBundle(what: { plan?: string; suites: readonly string[] }): Bundle {
  // The files are checked as a run checks them; the bundled simulator's profile only supplies
  // defaults here, each worker loads them again with its own device's profile.
  const profile = join(packageRoot(), 'devices', 'simulator.json');
  const loaded = what.plan ? loadPlanInputs(profile, what.plan) : loadRunInputs(profile, what.suites);
  const paths = loaded.inputs.filter((input) => input.kind !== 'profile').map((input) => resolve(input.path));
  const root = commonFolder(paths);
  const files = [...new Set(paths)].sort().map((path) => ({ path: toBundlePath(relative(root, path)), text: readFileSync(path, 'utf8') }));
  const inside = (path: string) => toBundlePath(relative(root, resolve(path)));
  const plan = what.plan ? inside(what.plan) : undefined;
  const suites = what.plan ? [] : expandSuitePaths(what.suites).map(inside);
  const disruptive = 'plan' in loaded && (loaded.plan as { disruptive?: boolean }).disruptive === true;
  return { sha256: bundleHash(files), files, ...(plan ? { plan } : {}), suites, disruptive };
}

export function bundleHash(files: readonly BundleFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) hash.update(`${file.path}\0${Buffer.byteLength(file.text)}\0${file.text}`);
  return hash.digest('hex');
}

/**
 * Writes the bundle's files under `dir/<sha256>/` (once per bundle) and returns that folder.
 * A path that would leave the folder, or files that do not hash to the bundle's name, are a
 * malformed job: refused, nothing written outside.
 */
export function writeBundle(dir: string, sha256: string, files: readonly BundleFile[]): string {
  const target = join(dir, sha256);
  if (existsSync(target)) return target;
  if (bundleHash(files) !== sha256) throw new InputError('E_LAB_BUNDLE', `the job's files do not match their SHA-256 ${sha256.slice(0, 12)}…`);
  const staging = `${target}.${process.pid}.tmp`;
  for (const file of files) {
    const path = normalize(file.path);
    if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) throw new InputError('E_LAB_BUNDLE', `the job names a file outside its bundle: ${file.path}`);
    makeFolders(dirname(join(staging, path)));
    writeFileSync(join(staging, path), file.text);
  }
  try {
    renameSync(staging, target);
  } catch {
    // Another job of this worker wrote the same bundle first.
  }
  return target;
}

function commonFolder(paths: readonly string[]): string {
  let common = dirname(paths[0]!);
  for (const path of paths) {
    while (!(path + sep).startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common);
  }
  return common;
}

function toBundlePath(path: string): string {
  return path.split(sep).join('/');
}
