/**
 * A lab command that the database refused to the role running it (a submitter changing
 * schedules, a viewer submitting): what PostgreSQL says, as the user's error, not poshil's.
 */
import { InputError } from '../core/errors.js';

/** SQLSTATE insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = '42501';

export function refusedByDatabase(error: unknown): InputError | undefined {
  if (typeof error !== 'object' || error === null || (error as { code?: unknown }).code !== INSUFFICIENT_PRIVILEGE) return undefined;
  return new InputError('E_NOT_ALLOWED', `the lab database refused this to the role it was given: ${(error as Error).message}`, {
    hint: "each role kind may do only its part — a viewer reads, a submitter also submits and cancels its own jobs, a worker runs jobs; windows, schedules, webhooks and roles are changed with the lab owner's URL (docs/lab.md, the table of role kinds)",
  });
}
