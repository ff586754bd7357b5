/**
 * Properties an expectation checks that the answer does not have. In JSON Schema a property
 * under `properties` and not under `required` may be absent, and then nothing about it is
 * checked: `{ properties: { aproved: { const: true } } }` passes on every answer, whatever it
 * says. A suite author who wrote a check inline for one step meant it to check something, so
 * such a property is reported as a warning of the step (the step still passes, as JSON Schema
 * says). Schemas in files (`$ref`) are not followed: a file describes a message for many steps
 * and terminals, and its optional fields (a masked PAN, absent from a QR payment) are meant.
 *
 * Only what holds for every answer is walked: `properties`, `allOf` and `items`. Branches
 * (`anyOf`, `oneOf`, `if`, `not`) are left out, since an absent property there may be the
 * branch not taken.
 */

/** A schema for a property that checks nothing (`{}`, `true`, only words) cannot miss anything. */
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'default', 'examples', 'readOnly', 'writeOnly']);

function checksSomething(schema: unknown): boolean {
  if (schema === false) return false; // "must not be there": absence is what it asks
  if (typeof schema !== 'object' || schema === null) return false;
  return Object.keys(schema).some((key) => !ANNOTATIONS.has(key));
}

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

const pointerPart = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The JSON pointers (array indices as `*`) of checked properties missing from `value`, each once. */
export function uncheckedProperties(schema: unknown, value: unknown): string[] {
  const found = new Set<string>();
  walk(schema, value, '', found, 0);
  return [...found];
}

function walk(schema: unknown, value: unknown, path: string, found: Set<string>, depth: number): void {
  if (!isObject(schema) || depth > 32) return;
  if (Array.isArray(schema['allOf'])) for (const part of schema['allOf']) walk(part, value, path, found, depth + 1);
  if (isObject(value) && isObject(schema['properties'])) {
    const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
    for (const [key, sub] of Object.entries(schema['properties'])) {
      const at = `${path}/${pointerPart(key)}`;
      if (Object.hasOwn(value, key)) walk(sub, value[key], at, found, depth + 1);
      else if (!required.has(key) && checksSomething(sub)) found.add(at);
    }
  }
  if (Array.isArray(value) && isObject(schema['items'])) for (const item of value) walk(schema['items'], item, `${path}/*`, found, depth + 1);
}

/** "/aproved is checked, but the result has no such property (it has: approved, amount)". */
export function uncheckedWarnings(schema: unknown, value: unknown, what: string): string[] {
  return uncheckedProperties(schema, value).map((pointer) => {
    const parent = valueAt(value, pointer.slice(0, pointer.lastIndexOf('/')));
    const has = isObject(parent) ? Object.keys(parent) : [];
    const listed = has.length > 8 ? `${has.slice(0, 8).join(', ')}, …` : has.join(', ');
    return `${pointer} is checked, but the ${what} has no such property${has.length ? ` (it has: ${listed})` : ''}; the check passed without looking`;
  });
}

/** The first value a pointer with `*` for any index leads to. */
function valueAt(value: unknown, pointer: string): unknown {
  let at: unknown = value;
  for (const raw of pointer.split('/').slice(1)) {
    if (raw === '*' && Array.isArray(at)) at = at.find(isObject);
    else if (isObject(at)) at = at[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
    else return undefined;
  }
  return at;
}
