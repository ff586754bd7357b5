/**
 * Resolves what a run reads: the device profile and the suites (files, or the folders holding
 * them), with every expectation compiled and every fixture found, before anything starts.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import type { InputFile } from '../core/record.js';
import { Expectations } from '../expect/expectations.js';
import { displayPath } from './document.js';
import { FixtureStore } from './fixtures.js';
import { loadPlan, type Plan } from './plan.js';
import { loadProfile, type Profile } from './profile.js';
import { loadSuite } from './suite.js';
import type { Suite } from './types.js';

export const SUITE_FILE = /\.suite\.(ya?ml|json)$/;

export interface RunInputs {
  profile: Profile;
  suites: Suite[];
  inputs: InputFile[];
}

/**
 * Suite files named directly, or every `*.suite.yaml|yml|json` inside a named folder. A file
 * named twice (`suites/ suites/smoke.suite.yaml`, as a CI glob writes it, or through a symbolic
 * link) is one file: kept once, where first named. Two different files with one suite id are
 * still refused (loadRunInputs).
 */
export function expandSuitePaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const real = realPath(file);
    if (seen.has(real)) return;
    seen.add(real);
    files.push(file);
  };
  for (const path of paths) {
    const absolute = resolve(path);
    let isDir = false;
    try {
      isDir = statSync(absolute).isDirectory();
    } catch {
      throw new InputError('E_FILE_NOT_FOUND', `no such suite file or folder: ${path}`, { file: path, hint: 'suites are *.suite.yaml files; `poshil run --help` shows examples' });
    }
    if (!isDir) {
      add(absolute);
      continue;
    }
    const found = readdirSync(absolute).filter((name) => SUITE_FILE.test(name)).sort();
    if (found.length === 0) throw new InputError('E_NO_SUITES', `folder ${path} holds no *.suite.yaml files`, { file: path });
    for (const name of found) add(join(absolute, name));
  }
  return files;
}

/** A link that leads nowhere is left to the loader, which names it as a file not found. */
function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * The profile as a path, or already loaded (a bench file loads each device's profile with its
 * overrides). `stepTimeoutMs` (from --timeout) replaces the profile's default step time-out.
 */
export function loadRunInputs(profilePath: string | Profile, suitePaths: readonly string[], overrides: { stepTimeoutMs?: number } = {}): RunInputs {
  const loaded = typeof profilePath === 'string' ? loadProfile(resolve(profilePath)) : profilePath;
  const profile = overrides.stepTimeoutMs ? { ...loaded, timeouts: { ...loaded.timeouts, stepMs: overrides.stepTimeoutMs } } : loaded;
  const expectations = new Expectations();
  const fixtureStores = new Map<string, FixtureStore>();
  const suites = expandSuitePaths(suitePaths).map((path) => {
    const dir = join(dirname(path), 'fixtures');
    let fixtures = fixtureStores.get(dir);
    if (!fixtures) fixtureStores.set(dir, (fixtures = new FixtureStore(dir)));
    return loadSuite(path, expectations, fixtures, { stepTimeoutMs: profile.timeouts.stepMs, maxConcurrentSales: profile.maxConcurrentSales });
  });
  const ids = new Map<string, string>();
  for (const suite of suites) {
    const other = ids.get(suite.id);
    if (other) throw new InputError('E_DUPLICATE_SUITE', `suite id "${suite.id}" is used by ${other} and ${suite.file}`, { file: suite.file, pointer: '/suite' });
    ids.set(suite.id, suite.file);
  }
  const fixtures = [...fixtureStores.values()].flatMap((store) => store.loaded);
  return { profile, suites, inputs: describeInputs(profile, suites, expectations, fixtures) };
}

export interface PlanInputs extends RunInputs {
  plan: Plan;
}

export function loadPlanInputs(profilePath: string | Profile, planPath: string, overrides: { stepTimeoutMs?: number } = {}): PlanInputs {
  const loaded = typeof profilePath === 'string' ? loadProfile(resolve(profilePath)) : profilePath;
  const profile = overrides.stepTimeoutMs ? { ...loaded, timeouts: { ...loaded.timeouts, stepMs: overrides.stepTimeoutMs } } : loaded;
  const expectations = new Expectations();
  const plan = loadPlan(resolve(planPath), expectations, { stepTimeoutMs: profile.timeouts.stepMs, maxConcurrentSales: profile.maxConcurrentSales });
  const inputs = describeInputs(profile, plan.suites, expectations, plan.fixtures);
  inputs.splice(1, 0, { kind: 'plan', path: plan.file, sha256: plan.sha256 });
  return { profile, plan, suites: plan.suites, inputs };
}

function describeInputs(profile: Profile, suites: readonly Suite[], expectations: Expectations, fixtures: readonly { shown: string; sha256: string }[]): InputFile[] {
  return [
    { kind: 'profile', path: profile.file, sha256: profile.sha256 },
    ...suites.map((s) => ({ kind: 'suite' as const, path: s.file, sha256: s.sha256 })),
    ...[...expectations.referencedFiles].map(([path, sha256]) => ({ kind: 'schema' as const, path: displayPath(path), sha256 })),
    ...fixtures.map((doc) => ({ kind: 'fixture' as const, path: doc.shown, sha256: doc.sha256 })),
  ];
}
