/**
 * Every value that leaves the harness for a record, a receipt or a log goes through here: card
 * data is masked where its format puts it, length-preserving (devices/formats/redaction.ts has
 * the policy). PCI DSS applies to test tooling's own evidence too.
 */
import { maskJsonValue } from '../../devices/formats/json-card-data.js';
import { maskCardText } from '../../devices/formats/redaction.js';

export function maskText(text: string): string {
  return maskCardText(text).text;
}

/** Masks every string inside a JSON-able value; returns the value itself when nothing changed. */
export function maskValue<T>(value: T): T {
  return maskJsonValue(value);
}
