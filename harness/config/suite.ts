/**
 * Loads a suite file: parse (YAML/JSON) → validate against suite.schema.json → compile every
 * expectation → resolve fixtures → a frozen Suite. Every problem is an InputError naming the
 * file, the JSON pointer and the line.
 */
import { dirname } from 'node:path';
import { maskCardText } from '../../devices/formats/redaction.js';
import { InputError } from '../core/errors.js';
import type { Troubleshoot } from '../core/failure-kind.js';
import type { Limits } from '../core/record.js';
import type { WindowFigure } from '../core/load-series.js';
import type { DriftLimits, WindowLimits } from '../expect/degradation.js';
import type { Expectations } from '../expect/expectations.js';
import { loadDocument, type LoadedDocument } from './document.js';
import type { FixtureStore } from './fixtures.js';
import { referencedNames } from './saved-refs.js';
import { formatDuration, parseDrift, parseDuration, parseRate } from './quantities.js';
import type { Case, LoadSpec, MeasureSpec, Step, Suite } from './types.js';
import { validateDocument } from './validate.js';

/** The suite document's shape once it passed the schema. */
interface RawStep {
  id?: string;
  name?: string;
  timeout?: number;
  do?: string;
  stimulus?: string;
  await?: string;
  absent?: string;
  wait?: number;
  exec?: string[];
  prompt?: string;
  load?: RawLoad;
  args?: Record<string, unknown>;
  fixture?: string;
  within?: number;
  where?: unknown;
  expect?: unknown;
  expectError?: unknown;
  measure?: RawMeasure;
  save?: string;
  of?: string;
  same?: { before: string; after: string; ignore?: string[] };
}
interface RawMeasure extends Limits {
  name: string;
  unit: string;
  value?: string;
  since?: string;
}
interface RawLoad {
  verb?: string;
  args?: Record<string, unknown>;
  stimulus?: string;
  fixture?: string;
  stimulusArgs?: Record<string, unknown>;
  await?: string;
  success?: unknown;
  count?: number;
  duration?: string | number;
  rate?: string | number;
  ramp?: string | number;
  window?: string | number;
  health?: boolean;
  warmup?: number;
  concurrency?: number;
  transactionTimeout?: number;
  limits?: LoadSpec['limits'];
  windowLimits?: WindowLimits;
  drift?: Record<string, string | number>;
}
interface RawCase {
  id: string;
  title?: string;
  mandatory?: boolean;
  tags?: string[];
  requires?: string[];
  troubleshoot?: Troubleshoot;
  timeout?: number;
  steps: RawStep[];
}
interface RawSuite {
  suite: string;
  title?: string;
  requires?: string[];
  timeout?: number;
  cases: RawCase[];
}

export interface SuiteDefaults {
  stepTimeoutMs: number;
  /**
   * How many sales the terminal takes at once (the profile's `maxConcurrentSales`); a load that
   * asks for more is refused here. Undefined when no terminal is known (`poshil validate`).
   */
  maxConcurrentSales?: number;
}

export function loadSuite(path: string, expectations: Expectations, fixtures: FixtureStore, defaults: SuiteDefaults): Suite {
  const doc = loadDocument(path, 'suite');
  validateDocument('suite', doc);
  const raw = doc.value as RawSuite;
  const seen = new Map<string, number>();
  const cases = raw.cases.map((c, ci) => {
    const pointer = `/cases/${ci}`;
    if (seen.has(c.id)) fail(doc, `${pointer}/id`, 'E_DUPLICATE_CASE', `case id "${c.id}" is used twice (also at /cases/${seen.get(c.id)})`);
    seen.set(c.id, ci);
    return resolveCase(doc, c, pointer, raw, expectations, fixtures, defaults);
  });
  return Object.freeze({
    id: raw.suite,
    ...(raw.title ? { title: shown(raw.title) } : {}),
    file: doc.shown,
    path: doc.path,
    sha256: doc.sha256,
    cases,
  });
}

function resolveCase(
  doc: LoadedDocument,
  c: RawCase,
  pointer: string,
  suite: RawSuite,
  expectations: Expectations,
  fixtures: FixtureStore,
  defaults: SuiteDefaults,
): Case {
  const timeoutMs = c.timeout ?? suite.timeout ?? defaults.stepTimeoutMs;
  const stepIds = new Set<string>();
  const saved = new Set<string>();
  const steps = c.steps.map((s, si) => {
    const stepPointer = `${pointer}/steps/${si}`;
    const step = resolveStep(doc, s, si, stepPointer, timeoutMs, stepIds, expectations, fixtures, defaults.maxConcurrentSales);
    if (s.id) stepIds.add(s.id);
    if (step.kind === 'do') {
      const unsaved = referencedNames(step.args).find((name) => !saved.has(name));
      if (unsaved !== undefined) fail(doc, `${stepPointer}/args`, 'E_SAVED_REFERENCE', `the args refer to \${${unsaved}…}, but no earlier do step of this case saves a result as ${unsaved}`, 'add save: NAME to the do step whose result it is (docs/suites.md, "Saved results")');
      if (step.save) saved.add(step.save);
    }
    if ((step.kind === 'await' || step.kind === 'absent') && step.of !== undefined && !saved.has(step.of)) {
      fail(doc, `${stepPointer}/of`, 'E_SAVED_REFERENCE', `of: ${step.of} names a result no earlier do step of this case saves`, 'add save: NAME to the do step that started the transaction (docs/suites.md, "Saved results")');
    }
    return step;
  });
  return Object.freeze({
    id: c.id,
    ...(c.title ? { title: shown(c.title) } : {}),
    mandatory: c.mandatory ?? true,
    tags: c.tags ?? [],
    requires: [...(suite.requires ?? []), ...(c.requires ?? [])],
    ...(c.troubleshoot ? { troubleshoot: trimTexts(c.troubleshoot) } : {}),
    ...lineAt(doc, pointer),
    steps,
  });
}

function resolveStep(
  doc: LoadedDocument,
  s: RawStep,
  index: number,
  pointer: string,
  defaultTimeoutMs: number,
  earlierIds: ReadonlySet<string>,
  expectations: Expectations,
  fixtures: FixtureStore,
  maxConcurrentSales: number | undefined,
): Step {
  const compile = (schema: unknown, key: string) =>
    schema === undefined
      ? undefined
      : expectations.compile(schema, {
          file: doc.shown,
          baseDir: dirname(doc.path),
          pointer: `${pointer}/${key}`,
          ...lineAt(doc, `${pointer}/${key}`),
        });
  const base = {
    index,
    ...(s.id ? { id: s.id } : {}),
    pointer,
    timeoutMs: s.timeout ?? defaultTimeoutMs,
  };
  const label = (text: string) => shown(s.name ?? text);
  const measure = s.measure ? resolveMeasure(doc, s.measure, `${pointer}/measure`, earlierIds) : undefined;
  const opt = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));

  if (s.do !== undefined) {
    const fixture = s.fixture ? fixtures.get(s.fixture, { file: doc.shown, pointer: `${pointer}/fixture`, ...lineAt(doc, `${pointer}/fixture`) }) : {};
    const args = { ...fixture, ...(s.args ?? {}) };
    return { ...base, kind: 'do', label: label(`do ${s.do}`), verb: s.do, args, ...(referencedNames(args).length > 0 ? { references: true as const } : {}), ...opt('save', s.save), ...opt('expect', compile(s.expect, 'expect')), ...opt('expectError', compile(s.expectError, 'expectError')), ...opt('measure', measure) };
  }
  if (s.stimulus !== undefined) {
    const fixture = s.fixture ? fixtures.get(s.fixture, { file: doc.shown, pointer: `${pointer}/fixture`, ...lineAt(doc, `${pointer}/fixture`) }) : {};
    return { ...base, kind: 'stimulus', label: label(`stimulus ${s.stimulus}${s.fixture ? ` (${s.fixture})` : ''}`), stimulus: s.stimulus, args: { ...(s.fixture ? { fixture: s.fixture } : {}), ...fixture, ...(s.args ?? {}) }, ...opt('expectError', compile(s.expectError, 'expectError')) };
  }
  if (s.await !== undefined) {
    const within = s.within ?? s.timeout ?? defaultTimeoutMs;
    return { ...base, timeoutMs: within, kind: 'await', label: label(`await ${s.await}${s.of ? ` of ${s.of}` : ''}`), event: s.await, ...opt('of', s.of), ...opt('where', compile(s.where, 'where')), ...opt('expect', compile(s.expect, 'expect')), ...opt('measure', measure) };
  }
  if (s.absent !== undefined) {
    const within = s.within ?? s.timeout ?? defaultTimeoutMs;
    return { ...base, timeoutMs: within, kind: 'absent', label: label(`no ${s.absent}${s.of ? ` of ${s.of}` : ''} within ${within} ms`), event: s.absent, ...opt('of', s.of), ...opt('where', compile(s.where, 'where')) };
  }
  if (s.same !== undefined) {
    return { ...base, kind: 'same', label: label(`same ${s.same.before} and ${s.same.after}`), before: s.same.before, after: s.same.after, ignore: s.same.ignore ?? [] };
  }
  if (s.wait !== undefined) {
    return { ...base, timeoutMs: s.wait + 1000, kind: 'wait', label: label(`wait ${s.wait} ms`), ms: s.wait };
  }
  if (s.exec !== undefined) {
    return { ...base, kind: 'exec', label: label(`exec ${s.exec[0] ?? ''}`), command: s.exec, ...opt('expect', compile(s.expect, 'expect')) };
  }
  if (s.prompt !== undefined) {
    return { ...base, timeoutMs: s.timeout ?? 600_000, kind: 'prompt', label: label('operator prompt'), text: s.prompt };
  }
  if (s.load !== undefined) {
    const l = s.load;
    const stimulusFixture = l.fixture ? fixtures.get(l.fixture, { file: doc.shown, pointer: `${pointer}/load/fixture`, ...lineAt(doc, `${pointer}/load/fixture`) }) : {};
    const pacing = resolvePacing(doc, l, `${pointer}/load`, maxConcurrentSales);
    const load: LoadSpec = {
      verb: l.verb ?? 'sale',
      args: l.args ?? { amount: 1000, currency: 'EUR' },
      stimulus: l.stimulus ?? 'swipe',
      stimulusArgs: { ...stimulusFixture, ...(l.stimulusArgs ?? {}) },
      await: l.await ?? 'transaction.completed',
      ...opt('success', compile(l.success, 'load/success')),
      ...opt('count', l.count),
      warmup: l.warmup ?? 0,
      transactionTimeoutMs: l.transactionTimeout ?? 10_000,
      limits: l.limits ?? {},
      windowLimits: l.windowLimits ?? {},
      ...pacing,
    };
    // A soak runs as long as it was told to: its time limit follows from its duration.
    const timeoutMs = s.timeout ?? (load.durationMs !== undefined ? load.durationMs + (load.warmup + 2) * load.transactionTimeoutMs + 60_000 : 3_600_000);
    if (s.timeout !== undefined && load.durationMs !== undefined && s.timeout < load.durationMs) {
      fail(doc, `${pointer}/timeout`, 'E_LOAD', `the step's timeout (${s.timeout} ms) is shorter than its load's duration (${load.durationMs} ms); leave it out to have one derived from the duration`);
    }
    return { ...base, timeoutMs, kind: 'load', label: label(loadLabel(load)), load };
  }
  return fail(doc, pointer, 'E_SCHEMA', 'the step has no kind (do, stimulus, await, absent, wait, exec, prompt, load)');
}

type Pacing = Pick<LoadSpec, 'durationMs' | 'concurrency' | 'ratePerS' | 'rampMs' | 'windowMs' | 'health' | 'drift'>;

/** Duration, rate, ramp, window and drift of a load, with the checks the schema cannot make. */
function resolvePacing(doc: LoadedDocument, l: RawLoad, pointer: string, maxConcurrentSales: number | undefined): Pacing {
  const time = (key: 'duration' | 'ramp' | 'window', fallback?: number): number | undefined => {
    const value = l[key];
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined || (key !== 'ramp' && ms <= 0)) fail(doc, `${pointer}/${key}`, 'E_LOAD', `${key} "${value}" is not a duration such as 90s, 10m, 2h or 1h30m`);
    return ms;
  };
  const durationMs = time('duration');
  const rampMs = time('ramp', 0)!;
  const windowMs = time('window', 60_000)!;
  const ratePerS = l.rate === undefined ? undefined : parseRate(l.rate);
  if (l.rate !== undefined && ratePerS === undefined) fail(doc, `${pointer}/rate`, 'E_LOAD', `rate "${l.rate}" is not an arrival rate such as 5/s, 120/m or 1000/h`);
  const concurrency = l.concurrency ?? 1;
  const verb = l.verb ?? 'sale';
  if (maxConcurrentSales !== undefined && concurrency > maxConcurrentSales && (verb === 'sale' || verb === 'refund')) {
    fail(
      doc,
      `${pointer}/concurrency`,
      'E_CONCURRENCY',
      `concurrency ${concurrency} is more than the terminal takes at once (the profile's maxConcurrentSales is ${maxConcurrentSales}): the extra ${verb}s would be refused BUSY and counted as the terminal's failures`,
      'one terminal runs one transaction at a time; for more in parallel run the suite on a bench (`poshil run --bench`), one load per terminal, or raise maxConcurrentSales in a profile whose terminal really takes more',
    );
  }
  if (durationMs !== undefined && rampMs >= durationMs) fail(doc, `${pointer}/ramp`, 'E_LOAD', `the ramp (${rampMs} ms) must end before the load's duration (${durationMs} ms) does`);
  const drift: DriftLimits = {};
  for (const [figure, value] of Object.entries(l.drift ?? {})) {
    const allowance = parseDrift(value);
    if (!allowance) fail(doc, `${pointer}/drift/${figure}`, 'E_LOAD', `drift ${figure} "${value}" is neither a percentage such as 20% nor an amount in the figure's unit`);
    drift[figure as WindowFigure] = allowance;
  }
  if (Object.keys(drift).length > 0 && durationMs !== undefined && durationMs - rampMs < 2 * windowMs) {
    fail(doc, `${pointer}/drift`, 'E_LOAD', `drift compares the first and the last full window after the ramp, but ${durationMs - rampMs} ms after the ramp hold fewer than two ${windowMs} ms windows; shorten the window or lengthen the duration`);
  }
  return {
    ...(durationMs !== undefined ? { durationMs } : {}),
    concurrency,
    ...(ratePerS !== undefined ? { ratePerS } : {}),
    rampMs,
    windowMs,
    health: l.health ?? durationMs !== undefined,
    drift,
  };
}

function loadLabel(load: LoadSpec): string {
  const pace = load.ratePerS !== undefined ? ` at ${Math.round(load.ratePerS * 1000) / 1000}/s` : load.concurrency > 1 ? `, ${load.concurrency} at once` : '';
  if (load.durationMs === undefined) return `load ${load.count} × ${load.verb}${pace}`;
  return `load ${load.verb} for ${formatDuration(load.durationMs)}${load.count !== undefined ? ` (at most ${load.count})` : ''}${pace}`;
}

function resolveMeasure(doc: LoadedDocument, m: RawMeasure, pointer: string, earlierIds: ReadonlySet<string>): MeasureSpec {
  const since = m.since === undefined || m.since === 'step' ? 'step' : m.since === 'case' ? 'case' : { stepId: m.since };
  if (typeof since === 'object' && !earlierIds.has(since.stepId)) {
    fail(doc, `${pointer}/since`, 'E_UNKNOWN_STEP', `measure.since names "${since.stepId}", which is no earlier step's id in this case`);
  }
  const limits: Limits = {};
  for (const key of ['min', 'max', 'marginalMin', 'marginalMax'] as const) if (m[key] !== undefined) limits[key] = m[key];
  return { name: m.name, unit: m.unit, ...(m.value ? { value: m.value } : {}), since, limits };
}

function lineAt(doc: LoadedDocument, pointer: string): { line?: number } {
  const pos = doc.lineOf(pointer);
  return pos ? { line: pos.line } : {};
}

function fail(doc: LoadedDocument, pointer: string, code: string, message: string, hint?: string): never {
  throw new InputError(code, `suite ${doc.shown}: ${message}`, { file: doc.shown, pointer, ...lineAt(doc, pointer), ...(hint ? { hint } : {}) });
}


function trimTexts(texts: Troubleshoot): Troubleshoot {
  return typeof texts === 'string' ? shown(texts.trim()) : Object.fromEntries(Object.entries(texts).map(([kind, text]) => [kind, shown(String(text).trim())]));
}

/**
 * A title, step name or troubleshooting text is printed in every report and the certificate: a
 * card number an author wrote into one (a test card, a note) is masked like the terminal's.
 */
function shown(text: string): string {
  return maskCardText(text).text;
}
