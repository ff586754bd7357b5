/**
 * A case whose `requires` names a capability no terminal reports (`magstipe`) is SKIPPED on every
 * terminal, quietly: a typo that turns a test off. Said before the run, with the name meant.
 */
import type { Suite } from '../../config/types.js';
import { closest } from '../../core/spelling.js';

/** What poshil's drivers and simulator report (docs/suites.md, "Capabilities"). */
export const KNOWN_CAPABILITIES = ['magstripe', 'chip', 'qr', 'printer', 'host', 'card-events', 'qr-events', 'host-events', 'printer-status', 'batch-totals', 'log-events', 'issuer-details'] as const;

/** One line per unknown name a case requires; a profile's own `capabilities` count as known. */
export function unknownCapabilityNotes(suites: readonly Suite[], declared: readonly string[]): string[] {
  const known = new Set<string>([...KNOWN_CAPABILITIES, ...declared]);
  const notes = new Map<string, string[]>();
  for (const suite of suites) {
    for (const c of suite.cases) for (const name of c.requires) if (!known.has(name)) notes.set(name, [...(notes.get(name) ?? []), `${suite.id}/${c.id}`]);
  }
  return [...notes].map(([name, cases]) => {
    const meant = closest(name, [...known]);
    return `note: ${cases.slice(0, 3).join(', ')}${cases.length > 3 ? ` and ${cases.length - 3} more` : ''} require${cases.length === 1 ? 's' : ''} "${name}", a capability poshil does not know and the profile does not declare${meant ? ` (did you mean "${meant}"?)` : ''}: SKIPPED unless the terminal reports it`;
  });
}
