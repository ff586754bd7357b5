/**
 * Defaults for `poshil run` from poshil.config.json / .yaml (found in the working directory, or
 * named by --config) and from POSHIL_* environment variables. The command line applies them
 * beneath its own options: option > environment > file > built-in default. Paths in the file
 * are relative to the file, so a config checked into a repository works from any folder.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { loadDocument } from './document.js';
import { validateDocument } from './validate.js';

export interface RunConfig {
  device?: string;
  suites?: string[];
  out?: string;
  retries?: number;
  reporters?: string[];
  timeout?: number;
  maxFailures?: number;
  logLevel?: string;
  /** The file the values came from, for messages. */
  file?: string;
}

export const CONFIG_FILES = ['poshil.config.json', 'poshil.config.yaml', 'poshil.config.yml'];

export function findConfig(dir = process.cwd()): string | undefined {
  const found = CONFIG_FILES.map((name) => join(dir, name)).filter((path) => existsSync(path));
  if (found.length > 1) throw new InputError('E_CONFIG', `two configuration files: ${found.join(' and ')}`, { hint: 'keep one of them' });
  return found[0];
}

export function loadConfigFile(path: string): RunConfig {
  const doc = loadDocument(resolve(path), 'configuration');
  validateDocument('config', doc, 'configuration');
  const raw = doc.value as RunConfig & { $schema?: string };
  const base = dirname(doc.path);
  const at = (p: string) => resolve(base, p);
  return {
    ...(raw.device ? { device: at(raw.device) } : {}),
    ...(raw.suites ? { suites: raw.suites.map(at) } : {}),
    ...(raw.out ? { out: at(raw.out) } : {}),
    ...(raw.retries !== undefined ? { retries: raw.retries } : {}),
    ...(raw.reporters ? { reporters: raw.reporters.map((r) => r.replace(/=(.+)$/, (_, file: string) => `=${at(file)}`)) } : {}),
    ...(raw.timeout !== undefined ? { timeout: raw.timeout } : {}),
    ...(raw.maxFailures !== undefined ? { maxFailures: raw.maxFailures } : {}),
    ...(raw.logLevel ? { logLevel: raw.logLevel } : {}),
    file: doc.shown,
  };
}

/** POSHIL_DEVICE, POSHIL_SUITES, POSHIL_OUT, POSHIL_RETRIES, POSHIL_REPORTER, POSHIL_TIMEOUT, POSHIL_MAX_FAILURES, POSHIL_LOG_LEVEL. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RunConfig {
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  // The same bounds as the options they stand for: POSHIL_MAX_FAILURES=0 must not stop a run before its first case.
  const int = (name: string, v: string, min = 0) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InputError('E_ENV', `${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${v}"`);
    return n;
  };
  const get = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const device = get('POSHIL_DEVICE');
  const suites = get('POSHIL_SUITES');
  const out = get('POSHIL_OUT');
  const retries = get('POSHIL_RETRIES');
  const reporters = get('POSHIL_REPORTER');
  const timeout = get('POSHIL_TIMEOUT');
  const maxFailures = get('POSHIL_MAX_FAILURES');
  const logLevel = get('POSHIL_LOG_LEVEL');
  return {
    ...(device ? { device } : {}),
    ...(suites ? { suites: list(suites) } : {}),
    ...(out ? { out } : {}),
    ...(retries ? { retries: int('POSHIL_RETRIES', retries) } : {}),
    ...(reporters ? { reporters: list(reporters) } : {}),
    ...(timeout ? { timeout: int('POSHIL_TIMEOUT', timeout, 1) } : {}),
    ...(maxFailures ? { maxFailures: int('POSHIL_MAX_FAILURES', maxFailures, 1) } : {}),
    ...(logLevel ? { logLevel } : {}),
  };
}

/** The environment over the file: what the command line falls back to. */
export function runConfig(configPath: string | undefined, env: NodeJS.ProcessEnv = process.env): RunConfig {
  const path = configPath ?? findConfig();
  const file = path ? loadConfigFile(path) : {};
  const fromEnv = configFromEnv(env);
  return { ...file, ...fromEnv };
}
