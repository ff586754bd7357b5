/**
 * Cron schedules with time zones, read the way pg-boss 10 fires them. pg-boss's clock looks at
 * each schedule about once a minute and sends it when cron-parser's `prev()` from the database's
 * time is less than 60 s ago. So a schedule's firings are the times `prev()` yields — not the ones
 * `next()` yields, which differ on daylight-saving days:
 * - spring forward (Europe/Berlin, last Sunday of March): a time in the skipped hour (`30 2 * * *`)
 *   does not fire that day, and `prev()` never yields it, so neither does pg-boss;
 * - fall back (last Sunday of October): a time in the repeated hour fires twice, once in summer
 *   time and once an hour later in winter time.
 * Every firing here is found by walking `prev()` backwards, so the calendar, the missed-run check
 * and pg-boss agree. cron-parser is the 4.x line that pg-boss 10 itself uses.
 */
import cronParser from 'cron-parser';

/** A cron expression with the IANA time zone it is read in. */
export interface Schedule {
  /** Five fields (minute hour day-of-month month day-of-week) or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`. */
  cron: string;
  /** IANA time zone, e.g. `Asia/Shanghai`; `UTC` when the schedule has no other. */
  tz: string;
}

/** The most firings one call walks; a longer span gives the latest ones (each step costs milliseconds). */
export const MAX_FIRINGS = 1000;

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly']);

/** Why a cron expression or time zone cannot be scheduled, or null if both are good. */
export function checkCron(cron: string, tz: string): string | null {
  const zoneProblem = checkTimeZone(tz);
  if (zoneProblem) return zoneProblem;
  const text = cron.trim();
  if (text === '') return 'the cron expression is empty';
  const fields = text.split(/\s+/);
  if (!(fields.length === 1 && MACROS.has(text.toLowerCase())) && fields.length !== 5) {
    return fields.length === 6
      ? `cron "${cron}" has a seconds field: lab schedules fire at most once a minute, give five fields (minute hour day-of-month month day-of-week)`
      : `cron "${cron}" has ${fields.length} field(s); give five (minute hour day-of-month month day-of-week), e.g. "30 7 * * *"`;
  }
  try {
    const firing = cronParser.parseExpression(text, { tz }).next();
    if (Number.isNaN(firing.getTime())) return `cron "${cron}" never fires`;
  } catch (error) {
    return `cron "${cron}" is not valid: ${error instanceof Error ? error.message : String(error)}`;
  }
  return null;
}

/** Why a time zone name is not one this Node.js knows (its ICU database), or null. */
export function checkTimeZone(tz: string): string | null {
  if (tz.trim() === '') return 'the time zone is empty; give an IANA name such as Europe/Berlin or UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return null;
  } catch {
    return `unknown time zone "${tz}"; give an IANA name such as Europe/Berlin, Asia/Shanghai or UTC`;
  }
}

/**
 * Firings in (from, to], oldest first: what pg-boss would fire in that span if it ran throughout.
 * At most MAX_FIRINGS, the latest ones.
 */
export function firingsBetween(schedule: Schedule, from: Date, to: Date): Date[] {
  const firings: Date[] = [];
  if (to.getTime() <= from.getTime()) return firings;
  const walk = backwards(schedule, to);
  for (let at = walk(); at && at.getTime() > from.getTime() && firings.length < MAX_FIRINGS; at = walk()) firings.push(at);
  return firings.reverse();
}

/** The latest firing at or before `at`, or undefined if the schedule never fired before it. */
export function latestFiring(schedule: Schedule, at: Date): Date | undefined {
  return backwards(schedule, at)();
}

/**
 * The first firing after `after`. `next()` may name a time that `prev()` never yields (the
 * skipped hour of a spring-forward day), so each candidate is checked by walking back from it.
 */
export function nextFiring(schedule: Schedule, after: Date): Date | undefined {
  const forward = cronParser.parseExpression(schedule.cron, { tz: schedule.tz, currentDate: after });
  for (let tries = 0; tries < 4; tries++) {
    const candidate = step(() => forward.next().toDate());
    if (!candidate) return undefined;
    const real = firingsBetween(schedule, after, candidate);
    if (real.length > 0) return real[0];
  }
  return undefined;
}

/** A function that yields the firings at or before `at`, newest first, then undefined. */
function backwards(schedule: Schedule, at: Date): () => Date | undefined {
  // prev() is strict and counts from the whole second: 1 ms later makes a firing at `at` itself count.
  const expression = cronParser.parseExpression(schedule.cron, { tz: schedule.tz, currentDate: new Date(at.getTime() + 1) });
  return () => step(() => expression.prev().toDate());
}

function step(read: () => Date): Date | undefined {
  try {
    const date = read();
    return Number.isNaN(date.getTime()) ? undefined : date;
  } catch {
    // cron-parser throws when it runs out of dates (a range end, or its own loop limit).
    return undefined;
  }
}
