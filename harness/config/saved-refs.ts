/**
 * `${NAME.path}` in a `do` step's args: a value an earlier step of the case saved (`save: NAME`),
 * so that a reversal names the sale this case made, not a number typed into the suite that
 * depends on what ran before. A string that is one reference takes the value as it is (a number
 * stays a number); references inside a longer string are written into it as text.
 */

// A name as `save:` allows it (the suite schema's pattern), digits and dashes first included.
const REFERENCE = /\$\{([A-Za-z0-9_-]+)((?:\.[\w-]+)*)\}/g;
const WHOLE = /^\$\{([A-Za-z0-9_-]+)((?:\.[\w-]+)*)\}$/;

/** The saved names the args refer to, in the order written. */
export function referencedNames(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(REFERENCE)].map((m) => m[1]!);
  if (Array.isArray(value)) return value.flatMap(referencedNames);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(referencedNames);
  return [];
}

/** The args with every reference replaced; a reference to nothing saved throws an Error saying what there is (the step is ERROR). */
export function resolveReferences(value: unknown, saved: ReadonlyMap<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookUp(whole[1]!, whole[2]!, saved);
    return value.replace(REFERENCE, (_, name: string, path: string) => {
      const found = lookUp(name, path, saved);
      return typeof found === 'string' ? found : JSON.stringify(found);
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, saved));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, saved)]));
  return value;
}

function lookUp(name: string, path: string, saved: ReadonlyMap<string, unknown>): unknown {
  if (!saved.has(name)) throw new Error(`\${${name}${path}}: nothing was saved as ${name} in this case yet`);
  let at: unknown = saved.get(name);
  for (const key of path.split('.').slice(1)) {
    const next = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
    if (next === undefined) {
      const has = at !== null && typeof at === 'object' ? Object.keys(at).join(', ') : typeof at;
      throw new Error(`\${${name}${path}}: the result saved as ${name} has no ${key} (it has ${has || 'nothing'})`);
    }
    at = next;
  }
  return at;
}
