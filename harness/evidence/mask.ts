/**
 * Every value that leaves the harness for a record, a transcript or a log goes through here:
 * PANs are cut to first six / last four and track data is removed (PCI DSS applies to test
 * tooling's own evidence too).
 */
import { redactCardData } from '../../devices/formats/pan.js';

export function maskText(text: string): string {
  return redactCardData(text);
}

/** Masks every string inside a JSON-able value; returns the value itself when nothing changed. */
export function maskValue<T>(value: T): T {
  if (value === undefined || value === null) return value;
  const json = JSON.stringify(value);
  if (json === undefined) return value;
  const masked = redactCardData(json);
  return masked === json ? value : (JSON.parse(masked) as T);
}
