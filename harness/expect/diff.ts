/**
 * Names every difference between two JSON values — what a data-migration check reports after
 * an upgrade: a transaction that went missing, an amount that changed, an item name re-encoded.
 * Arrays of records with a `txnId` are matched by it, so a lost transaction shows as one missing
 * entry rather than as every later entry shifted.
 */
import type { ValidationIssue } from '../core/record.js';

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 120 ? text.slice(0, 117) + '…' : text;
};

function keyOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { txnId?: unknown }).txnId === 'string' ? (value as { txnId: string }).txnId : undefined;
}

export function differences(before: unknown, after: unknown, ignore: readonly string[] = [], path = ''): ValidationIssue[] {
  if (ignore.some((p) => path === p || path.startsWith(p + '/'))) return [];
  const at = path || '/';
  if (Array.isArray(before) && Array.isArray(after)) {
    const keyed = before.length > 0 && before.every((v) => keyOf(v) !== undefined);
    const issues: ValidationIssue[] = [];
    if (keyed) {
      const afterByKey = new Map(after.map((v) => [keyOf(v), v]));
      before.forEach((v, i) => {
        const match = afterByKey.get(keyOf(v));
        if (match === undefined) issues.push({ path: `${path}/${i}`, message: `missing after: ${show(v)}` });
        else issues.push(...differences(v, match, ignore, `${path}/${i}`));
        afterByKey.delete(keyOf(v));
      });
      for (const v of afterByKey.values()) issues.push({ path: `${path}/-`, message: `added: ${show(v)}` });
      return issues;
    }
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      if (i >= after.length) issues.push({ path: `${path}/${i}`, message: `missing after: ${show(before[i])}` });
      else if (i >= before.length) issues.push({ path: `${path}/${i}`, message: `added: ${show(after[i])}` });
      else issues.push(...differences(before[i], after[i], ignore, `${path}/${i}`));
    }
    return issues;
  }
  if (typeof before === 'object' && before !== null && typeof after === 'object' && after !== null && !Array.isArray(before) && !Array.isArray(after)) {
    const issues: ValidationIssue[] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      const child = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const b = (before as Record<string, unknown>)[key];
      const a = (after as Record<string, unknown>)[key];
      if (a === undefined && b !== undefined && !ignore.includes(child)) issues.push({ path: child, message: `missing after: ${show(b)}` });
      else if (b === undefined && a !== undefined && !ignore.includes(child)) issues.push({ path: child, message: `added: ${show(a)}` });
      else issues.push(...differences(b, a, ignore, child));
    }
    return issues;
  }
  return Object.is(before, after) ? [] : [{ path: at, message: `changed from ${show(before)} to ${show(after)}` }];
}
