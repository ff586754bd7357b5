/**
 * Loads a certification plan: which suites and cases, which are mandatory, thresholds,
 * requirements on the terminal, and waivers. The plan's suites come back already narrowed to
 * its cases, with the plan's mandatory/optional overrides applied, so the runner needs nothing
 * plan-specific.
 */
import { dirname, join, resolve } from 'node:path';
import type { Waiver } from '../core/certificate.js';
import { InputError } from '../core/errors.js';
import type { Expectations } from '../expect/expectations.js';
import { loadDocument, type LoadedDocument } from './document.js';
import { FixtureStore } from './fixtures.js';
import { loadSuite, type SuiteDefaults } from './suite.js';
import type { Suite } from './types.js';
import { validateDocument } from './validate.js';


export interface PlanThresholds {
  passRate?: number;
  maxRetriedPasses?: number;
  maxMarginal?: number;
}

export interface Plan {
  id: string;
  version: string;
  title?: string;
  /** The plan changes the terminal (a firmware upgrade): a lab starts it only inside the device's maintenance window. */
  disruptive: boolean;
  file: string;
  sha256: string;
  requires: { capabilities: string[]; protocol?: 'bench' | 'zvt' | 'ecr'; firmware?: string };
  retries: number;
  thresholds: PlanThresholds;
  waivers: Waiver[];
  suites: Suite[];
  /** Fixture files the plan's suites read, for the record's inputs. */
  fixtures: readonly LoadedDocument[];
}

interface RawPlan {
  plan: string;
  version: string;
  title?: string;
  disruptive?: boolean;
  requires?: { capabilities?: string[]; protocol?: 'bench' | 'zvt' | 'ecr'; firmware?: string };
  suites: { suite: string; cases?: string[]; mandatory?: string[]; optional?: string[] }[];
  retries?: number;
  thresholds?: PlanThresholds;
  waivers?: Waiver[];
}

export function loadPlan(path: string, expectations: Expectations, defaults: SuiteDefaults): Plan {
  const doc = loadDocument(path, 'certification plan');
  validateDocument('plan', doc, 'certification plan');
  const raw = doc.value as RawPlan;
  const stores = new Map<string, FixtureStore>();
  const suites = raw.suites.map((entry, i) => {
    const suitePath = resolve(dirname(doc.path), entry.suite);
    const fixturesDir = join(dirname(suitePath), 'fixtures');
    if (!stores.has(fixturesDir)) stores.set(fixturesDir, new FixtureStore(fixturesDir));
    let suite: Suite;
    try {
      suite = loadSuite(suitePath, expectations, stores.get(fixturesDir)!, defaults);
    } catch (error) {
      if (error instanceof InputError && error.code === 'E_FILE_NOT_FOUND') fail(doc, `/suites/${i}/suite`, `suite file ${entry.suite} does not exist (paths are relative to the plan)`);
      throw error;
    }
    const known = new Set(suite.cases.map((c) => c.id));
    for (const key of ['cases', 'mandatory', 'optional'] as const) {
      (entry[key] ?? []).forEach((id, j) => {
        if (!known.has(id)) fail(doc, `/suites/${i}/${key}/${j}`, `suite ${suite.id} has no case "${id}" (it has ${[...known].join(', ')})`);
      });
    }
    const chosen = entry.cases ? new Set(entry.cases) : known;
    const cases = suite.cases
      .filter((c) => chosen.has(c.id))
      .map((c) => (entry.mandatory?.includes(c.id) ? { ...c, mandatory: true } : entry.optional?.includes(c.id) ? { ...c, mandatory: false } : c));
    return Object.freeze({ ...suite, cases });
  });
  // Compiled when the run ends, to judge it: a broken one must stop the plan here, not lose the run's reports.
  if (raw.requires?.firmware !== undefined) {
    try {
      new RegExp(raw.requires.firmware);
    } catch (error) {
      fail(doc, '/requires/firmware', `requires.firmware is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  const runCases = new Set(suites.flatMap((s) => s.cases.map((c) => `${s.id}/${c.id}`)));
  (raw.waivers ?? []).forEach((w, i) => {
    if (!runCases.has(w.case)) fail(doc, `/waivers/${i}/case`, `the waiver names ${w.case}, which the plan does not run`);
  });
  return Object.freeze({
    id: raw.plan,
    version: raw.version,
    ...(raw.title ? { title: raw.title } : {}),
    disruptive: raw.disruptive ?? false,
    file: doc.shown,
    sha256: doc.sha256,
    requires: { capabilities: raw.requires?.capabilities ?? [], ...(raw.requires?.protocol ? { protocol: raw.requires.protocol } : {}), ...(raw.requires?.firmware ? { firmware: raw.requires.firmware } : {}) },
    retries: raw.retries ?? 0,
    thresholds: raw.thresholds ?? {},
    waivers: raw.waivers ?? [],
    suites,
    fixtures: [...stores.values()].flatMap((store) => store.loaded),
  });
}

function fail(doc: LoadedDocument, pointer: string, message: string): never {
  const pos = doc.lineOf(pointer);
  throw new InputError('E_PLAN', `certification plan ${doc.shown}: ${message}`, { file: doc.shown, pointer, ...(pos ? { line: pos.line } : {}) });
}
