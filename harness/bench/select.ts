/**
 * Which devices of a bench a run uses, from label sets alone: a pure function with no I/O, so it
 * is tested with tables and a long-running lab worker can call it for every job.
 *
 * `--select brand=acme,firmware=2.1` keeps the devices whose labels match every key; a key given
 * twice (`model=t100,model=t200`) matches either value.
 */
import { InputError } from '../core/errors.js';

export interface Selection {
  /** Key → the values any of which it may have; an empty map selects every device. */
  readonly terms: ReadonlyMap<string, readonly string[]>;
  readonly text: string;
}

export interface Labelled {
  name: string;
  labels: Readonly<Record<string, string>>;
}

const TERM = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(.+)$/;

export function parseSelection(text: string | undefined): Selection {
  const terms = new Map<string, string[]>();
  if (text === undefined || text.trim() === '') return { terms, text: '' };
  for (const part of text.split(',')) {
    const term = TERM.exec(part.trim());
    if (!term) throw new InputError('E_OPTION', `--select term "${part.trim()}" is not key=value`, { hint: 'write --select brand=acme,firmware=2.1 (labels of the bench file; a key given twice matches either value)' });
    const [, key, value] = term as unknown as [string, string, string];
    terms.set(key, [...(terms.get(key) ?? []), value.trim()]);
  }
  return { terms, text: text.trim() };
}

export function matches(labels: Readonly<Record<string, string>>, selection: Selection): boolean {
  for (const [key, values] of selection.terms) {
    const value = labels[key];
    if (value === undefined || !values.includes(value)) return false;
  }
  return true;
}

export function selectDevices<T extends Labelled>(devices: readonly T[], selection: Selection): T[] {
  return devices.filter((d) => matches(d.labels, selection));
}

/** Every label key with the values the devices have for it, sorted: what an empty selection shows. */
export function labelsInUse(devices: readonly Labelled[]): Map<string, string[]> {
  const found = new Map<string, Set<string>>();
  for (const device of devices) {
    for (const [key, value] of Object.entries(device.labels)) {
      if (!found.has(key)) found.set(key, new Set());
      found.get(key)!.add(value);
    }
  }
  return new Map([...found.keys()].sort().map((key) => [key, [...found.get(key)!].sort()]));
}

/** The devices a selection picks, or exit 2 listing the labels that exist. */
export function requireSelection<T extends Labelled>(devices: readonly T[], selection: Selection, benchFile: string): T[] {
  const chosen = selectDevices(devices, selection);
  if (chosen.length > 0) return chosen;
  const labels = [...labelsInUse(devices)].map(([key, values]) => `${key}=${values.join('|')}`).join('  ');
  throw new InputError('E_NO_DEVICES', `no device of ${benchFile} matches --select ${selection.text}`, { file: benchFile, hint: `the labels on this bench: ${labels}` });
}
