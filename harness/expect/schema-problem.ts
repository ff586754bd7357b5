/**
 * ajv's words for a broken expectation, said of the suite: its `data/properties/x` is the
 * expectation's own pointer (`/cases/0/steps/2/expect/properties/x`), and an unknown keyword
 * (strict mode refuses them, so that a typo cannot pass silently) comes with the keyword it most
 * likely meant.
 */

/** Draft-07's keywords and poshil's payment keywords: what a misspelt keyword is compared with. */
const KEYWORDS = [
  '$id', '$schema', '$ref', '$comment', 'title', 'description', 'default', 'readOnly', 'writeOnly', 'examples',
  'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'additionalItems', 'items', 'maxItems', 'minItems', 'uniqueItems', 'contains', 'maxProperties', 'minProperties',
  'required', 'additionalProperties', 'definitions', 'properties', 'patternProperties', 'dependencies', 'propertyNames',
  'const', 'enum', 'type', 'format', 'contentMediaType', 'contentEncoding', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf', 'not',
  'luhn', 'maskedPan', 'noCardNumber', 'track2', 'emvQr', 'receipt',
];

export function schemaProblem(message: string, pointer: string): string {
  const said = message.replace(/(^|: |, )data(?=[/ ])/g, (_, before: string) => `${before}${pointer}`);
  const unknown = /unknown keyword: "([^"]+)"/.exec(said)?.[1];
  const meant = unknown === undefined ? undefined : closest(unknown);
  return meant ? `${said} (did you mean "${meant}"?)` : said;
}

/** The candidate within two edits of `word` (case aside), if one is. */
export function closest(word: string, candidates: readonly string[] = KEYWORDS): string | undefined {
  let best: { keyword: string; distance: number } | undefined;
  for (const keyword of candidates) {
    const distance = editDistance(word.toLowerCase(), keyword.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { keyword, distance };
  }
  return best?.keyword;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit (`requried`). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
