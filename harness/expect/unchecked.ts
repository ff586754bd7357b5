/**
 * Properties an expectation checks that the answer does not have. In JSON Schema a property
 * under `properties` and not under `required` may be absent, and then nothing about it is
 * checked: `{ properties: { aproved: { const: true } } }` passes on every answer, whatever it
 * says. A suite author who wrote a check inline for one step meant it to check something, so
 * such a property is reported as a warning of the step (the step still passes, as JSON Schema
 * says). Schemas in files (`$ref`) are not followed: a file describes a message for many steps
 * and terminals, and its optional fields (a masked PAN, absent from a QR payment) are meant.
 *
 * Only what holds for every answer is walked: `properties`, `allOf`, `items`, and `receipt`
 * (on the receipt the ESC/POS bytes decode to, as the keyword checks it). Branches
 * (`anyOf`, `oneOf`, `if`, `not`) are left out, since an absent property there may be the
 * branch not taken.
 *
 * The schema is read once into a plan of the properties that could be reported: a step runs
 * thousands of times in a soak, and its schema is the same each time. Most inline schemas have
 * none (every checked property required), and then an answer is not looked at.
 */
import { receiptOf } from './payment-checks.js';

/** A schema for a property that checks nothing (`{}`, `true`, only words) cannot miss anything. */
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'default', 'examples', 'readOnly', 'writeOnly']);

/** Payment keywords (payment-keywords.ts) that check nothing when false. */
const YES_NO = new Set(['luhn', 'maskedPan', 'noCardNumber', 'track2', 'emvQr']);

function checksSomething(schema: unknown): boolean {
  if (schema === false) return false; // "must not be there": absence is what it asks
  if (typeof schema !== 'object' || schema === null) return false;
  const checks = Object.entries(schema).filter(([key, value]) => !ANNOTATIONS.has(key) && !(YES_NO.has(key) && value === false));
  // `{ not: … }` alone fails on what it names: absent, nothing is there to fail.
  return checks.length > 0 && !(checks.length === 1 && checks[0]![0] === 'not');
}

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

const pointerPart = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** A checked property that is absent, with what its parent has instead. */
interface Unchecked {
  pointer: string;
  has: string[];
  /** What the parent is: the answer itself, or the receipt its ESC/POS bytes decode to. */
  inReceipt: boolean;
}

/** What one schema (at one place in the expectation) can report; parts that can report nothing are left out. */
interface Plan {
  allOf: Plan[];
  properties: { key: string; part: string; reported: boolean; sub: Plan | undefined }[];
  items: Plan | undefined;
  receipt: Plan | undefined;
}

/** `required` here and in the `allOf` parts beside: a property one part requires, ajv failed the step on already. */
function requiredWith(schema: Schema, around: ReadonlySet<unknown>): Set<unknown> {
  const required = new Set(around);
  for (const part of [schema, ...(Array.isArray(schema['allOf']) ? schema['allOf'] : [])]) {
    if (isObject(part) && Array.isArray(part['required'])) for (const key of part['required']) required.add(key);
  }
  return required;
}

function planOf(schema: unknown, depth: number, around: ReadonlySet<unknown> = new Set()): Plan | undefined {
  if (!isObject(schema) || depth > 32) return undefined;
  const required = requiredWith(schema, around);
  const allOf = Array.isArray(schema['allOf']) ? schema['allOf'].flatMap((part) => planOf(part, depth + 1, required) ?? []) : [];
  const properties: Plan['properties'] = [];
  if (isObject(schema['properties'])) {
    for (const [key, sub] of Object.entries(schema['properties'])) {
      const reported = !required.has(key) && checksSomething(sub);
      const subPlan = planOf(sub, depth + 1);
      if (reported || subPlan) properties.push({ key, part: pointerPart(key), reported, sub: subPlan });
    }
  }
  const items = planOf(schema['items'], depth + 1);
  const receipt = planOf(schema['receipt'], depth + 1);
  if (allOf.length === 0 && properties.length === 0 && !items && !receipt) return undefined;
  return { allOf, properties, items, receipt };
}

function walk(plan: Plan, value: unknown, path: string, inReceipt: boolean, found: Map<string, Unchecked>): void {
  for (const part of plan.allOf) walk(part, value, path, inReceipt, found);
  if (isObject(value)) {
    for (const { key, part, reported, sub } of plan.properties) {
      if (Object.hasOwn(value, key)) {
        if (sub) walk(sub, value[key], `${path}/${part}`, inReceipt, found);
      } else if (reported && !found.has(`${path}/${part}`)) {
        found.set(`${path}/${part}`, { pointer: `${path}/${part}`, has: Object.keys(value), inReceipt });
      }
    }
  }
  if (Array.isArray(value) && plan.items) for (const item of value) walk(plan.items, item, `${path}/*`, inReceipt, found);
  // `receipt:` checks the receipt the hex ESC/POS decodes to, with a schema of its own.
  if (typeof value === 'string' && plan.receipt) {
    const receipt = decodedReceipt(value);
    if (receipt) walk(plan.receipt, receipt, `${path}, receipt `, true, found);
  }
}

/** The receipt as the `receipt` keyword checked it (payment-checks.ts), or undefined for bytes that are no receipt. */
function decodedReceipt(hex: string): Schema | undefined {
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) return undefined;
  const decoded = receiptOf(hex);
  return decoded.ok ? (decoded.value as unknown as Schema) : undefined;
}

/**
 * The warnings of an expectation for an answer: "/aproved is checked, but the result has no
 * such property (it has: approved, amount)", one for each checked property the answer lacks.
 */
export type UncheckedWarnings = (value: unknown, what: string) => string[];

const NONE: UncheckedWarnings = () => [];

export function uncheckedWarningsOf(schema: unknown): UncheckedWarnings {
  const plan = planOf(schema, 0);
  if (!plan) return NONE;
  return (value, what) => {
    const found = new Map<string, Unchecked>();
    walk(plan, value, '', false, found);
    return [...found.values()].map(({ pointer, has, inReceipt }) => {
      const listed = has.length > 8 ? `${has.slice(0, 8).join(', ')}, …` : has.join(', ');
      return `${pointer} is checked, but the ${inReceipt ? 'receipt' : what} has no such property${has.length ? ` (it has: ${listed})` : ''}; the check passed without looking`;
    });
  };
}

/** The JSON pointers (array indices as `*`) of checked properties missing from `value`, each once. */
export function uncheckedProperties(schema: unknown, value: unknown): string[] {
  const plan = planOf(schema, 0);
  const found = new Map<string, Unchecked>();
  if (plan) walk(plan, value, '', false, found);
  return [...found.keys()];
}
