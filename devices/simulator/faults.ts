/**
 * Environmental faults a good terminal must survive — paper out, reader failure, host time-out,
 * host down, slow host, garbled bytes on the link, reboot, the link unplugged (for `durationMs`,
 * or for good without it) — injected from a fault plan when
 * the simulator sees a trigger event, with the simulator's seeded generator deciding, so the
 * same plan and seed replay the same run.
 *
 * ```yaml
 * faults:
 *   - on: host.request        # the event that triggers the rule: one the simulator sends (EVENTS)
 *     fault: hostTimeout      # what happens
 *     nth: 2                  # only on the 2nd such event (default: every one)
 *     probability: 0.5        # chance per trigger (default 1)
 *     durationMs: 2000        # how long a paperOut / readerFailure / hostDown / slowHost / unplug lasts
 *   - afterMs: 60000          # or: once, this long after the simulator started
 *     fault: slowDown         # from then on every authorisation takes durationMs longer
 *     durationMs: 300
 * ```
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../harness/core/errors.js';
import { closest } from '../../harness/core/spelling.js';
import { yaml } from '../../harness/core/yaml.js';
import { EVENTS, type EventName } from '../drivers/catalogue.js';
import { SeededRandom } from './random.js';

export const FAULTS = ['paperOut', 'readerFailure', 'hostTimeout', 'hostDown', 'slowHost', 'slowDown', 'garble', 'reboot', 'unplug'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultRule {
  /** The event that triggers the rule (one the simulator sends: EVENTS); or `afterMs`. */
  on?: EventName;
  /** Fire once, this long after the simulator started (a terminal that degrades halfway through a soak). */
  afterMs?: number;
  fault: Fault;
  nth?: number;
  probability?: number;
  durationMs?: number;
}

/** Faults a simulator's link cannot carry, with why: refused where they are asked for, never ignored in silence. */
export type RefusedFaults = Partial<Readonly<Record<Fault, { reason: string; hint: string }>>>;

/** The control channel's answer to a fault the link cannot carry. */
export function refusal(name: Fault, refused: RefusedFaults): string | undefined {
  const why = refused[name];
  return why && `${name} ${why.reason}; ${why.hint}`;
}

/** Throws for the first rule whose fault the link cannot carry; `plan` names the file the rules came from. */
export function checkFaultsApply(rules: readonly FaultRule[], refused: RefusedFaults, plan?: string): void {
  rules.forEach((rule, i) => {
    const why = refused[rule.fault];
    const pointer = `/faults/${i}/fault`;
    if (why) throw new InputError('E_FAULT_PLAN', `${plan ? `fault plan ${plan}: ` : ''}${pointer} is ${rule.fault}, which ${why.reason}`, { ...(plan ? { file: plan } : {}), pointer, hint: why.hint });
  });
}

export interface FaultTarget {
  fault(name: Fault, durationMs?: number): void;
  onEvent(listener: (event: string, data: unknown) => void): () => void;
}

/**
 * Reads and checks a fault plan. Every rule must be able to fire: an event the simulator never
 * sends (a typo: `host.reqest`) is refused with the name meant, as a misspelt fault is, rather
 * than leave a rule that quietly does nothing. Errors name the file, the rule's JSON pointer and
 * its line.
 */
export function loadFaultPlan(path: string): FaultRule[] {
  const { value, lineOf } = readPlan(path);
  const rules = (value as { faults?: unknown } | null)?.faults;
  if (!Array.isArray(rules)) throw new InputError('E_FAULT_PLAN', `fault plan ${path} needs a "faults" list`, { file: path, pointer: '/faults' });
  return rules.map((rule: unknown, i) => {
    const r = (rule ?? {}) as Record<string, unknown>;
    const bad = (what: string, key?: string, hint?: string) => {
      const pointer = key ? `/faults/${i}/${key}` : `/faults/${i}`;
      const line = lineOf(key ? ['faults', i, key] : ['faults', i]) ?? lineOf(['faults', i]);
      return new InputError('E_FAULT_PLAN', `fault plan ${path}: ${pointer} ${what}`, { file: path, pointer, ...(line ? { line } : {}), ...(hint ? { hint } : {}) });
    };
    if ((typeof r['on'] === 'string') === (r['afterMs'] !== undefined)) throw bad('needs either "on" (the triggering event, e.g. host.request) or "afterMs" (once, that long after the start)');
    if (typeof r['on'] === 'string' && !EVENTS.includes(r['on'] as EventName)) {
      const meant = closest(r['on'], EVENTS);
      throw bad(`is ${JSON.stringify(r['on'])}, an event the simulator never sends${meant ? `: did you mean "${meant}"?` : ''}`, 'on', `a rule fires on one of: ${EVENTS.join(', ')}`);
    }
    if (r['afterMs'] !== undefined && (r['nth'] !== undefined || r['probability'] !== undefined)) throw bad('"afterMs" fires once: it takes no "nth" or "probability"');
    if (!FAULTS.includes(r['fault'] as Fault)) {
      const meant = typeof r['fault'] === 'string' ? closest(r['fault'], FAULTS) : undefined;
      throw bad(`needs "fault", one of ${FAULTS.join(', ')}${meant ? ` (did you mean "${meant}"?)` : ''}`);
    }
    for (const key of ['nth', 'durationMs', 'afterMs'] as const) if (r[key] !== undefined && !(Number.isInteger(r[key]) && (r[key] as number) > 0)) throw bad(`${key} must be a positive whole number`);
    if (r['probability'] !== undefined && !(typeof r['probability'] === 'number' && r['probability'] >= 0 && r['probability'] <= 1)) throw bad('probability must be from 0 to 1');
    return r as unknown as FaultRule;
  });
}

/** The plan's value, and the line a path in it is written on. */
function readPlan(path: string): { value: unknown; lineOf: (at: (string | number)[]) => number | undefined } {
  const parser = yaml();
  const lines = new parser.LineCounter();
  try {
    const doc = parser.parseDocument(readFileSync(path, 'utf8'), { lineCounter: lines });
    if (doc.errors[0]) throw doc.errors[0];
    const lineOf = (at: (string | number)[]) => {
      const node = doc.getIn(at, true);
      return parser.isNode(node) && node.range ? lines.linePos(node.range[0]).line : undefined;
    };
    return { value: doc.toJS(), lineOf };
  } catch (error) {
    throw new InputError('E_FAULT_PLAN', `cannot read fault plan ${path}: ${(error as Error).message}`, { file: path });
  }
}

/** Watches the terminal's events and applies the plan's faults. Returns a function that stops it. */
export function injectFaults(target: FaultTarget, rules: readonly FaultRule[], seed: number): () => void {
  // A generator of its own, so that adding a fault plan does not change the host's decisions.
  const random = new SeededRandom((seed ^ 0x9e3779b9) >>> 0);
  const seen = new Map<string, number>();
  const timers = rules.filter((r) => r.afterMs !== undefined).map((r) => setTimeout(() => target.fault(r.fault, r.durationMs), r.afterMs).unref());
  const off = target.onEvent((event) => {
    if (!rules.some((r) => r.on === event)) return;
    const count = (seen.get(event) ?? 0) + 1;
    seen.set(event, count);
    for (const rule of rules) {
      if (rule.on !== event || (rule.nth !== undefined && rule.nth !== count)) continue;
      if (random.next() < (rule.probability ?? 1)) target.fault(rule.fault, rule.durationMs);
    }
  });
  return () => {
    for (const timer of timers) clearTimeout(timer);
    off();
  };
}
