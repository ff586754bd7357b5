/**
 * Reads a document as strict JSON when it is one, with no key given twice in an object (YAML,
 * which poshil reads JSON as, refuses duplicate keys; JSON.parse would keep the last one). Any
 * other text, and JSON with a duplicate key, is left to the YAML parser, which says what is wrong.
 */
export function plainJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (!/^\s*[[{]/.test(text)) return { ok: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false };
  }
  return hasDuplicateKey(text) ? { ok: false } : { ok: true, value };
}

/**
 * Walks text that JSON.parse accepted: a string directly followed by `:` is a key of the
 * innermost open object.
 */
function hasDuplicateKey(text: string): boolean {
  const objects: (Set<string> | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) objects.push(new Set());
    else if (c === 0x5b /* [ */) objects.push(undefined);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) objects.pop();
    else if (c === 0x22 /* " */) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c /* \ */ ? 2 : 1;
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      const keys = objects[objects.length - 1];
      if (text[next] === ':' && keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return true;
        keys.add(key);
      }
      i = end;
    }
  }
  return false;
}

/** True when JSON text gives back the same value: no Infinity, NaN, -0, dates or other objects. */
export function isJsonValue(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(isJsonValue);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every(isJsonValue);
  return false;
}
