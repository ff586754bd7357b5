/**
 * NOTIFY channels between the panel and the workers (the database is their only link): the
 * payload of each is a row's id, never its content.
 */
/** A prompt was answered in the panel: the worker asking it goes on at once. */
export const PROMPT_ANSWERED = 'poshil_prompt_answered';
/** An admin asked in the panel for a device's release from quarantine. */
export const RELEASE_ASKED = 'poshil_release_asked';
