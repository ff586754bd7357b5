/**
 * An event told as a short message: a title and a few labelled facts, every value cleaned before
 * it leaves poshil. Device strings are short text from a bench file or a terminal; they are masked
 * (credentials, then card numbers and track data), put on one line and cut to a fixed length, so a
 * message can never carry a full PAN, a password or a screenful of device output.
 */
import { maskText } from '../../evidence/mask.js';
import { maskSecret } from '../secrets.js';
import type { CaseCounts, LabEvent } from './events.js';

export interface Message {
  /** One line, e.g. `poshil: daily-health FAILED on till-3 (store-12)`. */
  title: string;
  /** Labelled facts in the order a person reads them. */
  facts: { label: string; value: string }[];
}

/** Longest value of a name (device, worker, site, schedule, plan). */
export const NAME_LIMIT = 80;
/** Longest value of a free text (failure, reason, selection). */
export const TEXT_LIMIT = 400;

/** A device or user string made safe for a message: masked, one line, at most `limit` characters. */
export function clean(value: string, limit = NAME_LIMIT): string {
  const oneLine = value.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  const masked = maskText(maskSecret(oneLine));
  const chars = Array.from(masked);
  return chars.length <= limit ? masked : `${chars.slice(0, limit - 1).join('')}…`;
}

/** `2026-11-27 07:30 Asia/Shanghai` — a UTC time shown where the person is. */
export function localTime(iso: string, tz = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return clean(iso);
  try {
    const shown = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(date);
    return `${shown} ${clean(tz)}`;
  } catch {
    return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

function counted(c: CaseCounts): string {
  const parts = [`${c.passed} passed`, `${c.failed} failed`];
  if (c.errors) parts.push(`${c.errors} errors`);
  if (c.timeouts) parts.push(`${c.timeouts} timed out`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  return `${parts.join(', ')} of ${c.total}`;
}

/** The message that tells a person about the event. */
export function describeEvent(event: LabEvent): Message {
  switch (event.kind) {
    case 'run-failed': {
      const what = clean(event.plan ?? event.suite ?? 'run');
      const where = event.site ? ` (${clean(event.site)})` : '';
      return {
        title: `poshil: ${what} FAILED on ${clean(event.device)}${where}`,
        facts: [
          { label: 'Device', value: clean(event.device) + where },
          ...(event.plan ? [{ label: 'Plan', value: clean(event.plan) }] : []),
          ...(event.suite ? [{ label: 'Suite', value: clean(event.suite) }] : []),
          { label: 'Cases', value: counted(event.counts) },
          ...(event.firstFailure ? [{ label: 'First failure', value: clean(event.firstFailure, TEXT_LIMIT) }] : []),
          ...(event.schedule ? [{ label: 'Schedule', value: clean(event.schedule) }] : []),
          { label: 'Job', value: clean(event.jobId) },
          { label: 'Ended', value: localTime(event.at, event.tz) },
        ],
      };
    }
    case 'schedule-missed':
      return {
        title: `poshil: schedule ${clean(event.schedule)} did not run at ${localTime(event.fireTime, event.tz)}`,
        facts: [
          { label: 'Schedule', value: clean(event.schedule) },
          { label: 'Due', value: localTime(event.fireTime, event.tz) },
          { label: 'What to do', value: 'check that a lab worker is running and that the schedule\'s devices are free' },
        ],
      };
    case 'device-quarantined':
      return {
        title: `poshil: device ${clean(event.device)} quarantined on ${clean(event.worker)}`,
        facts: [
          { label: 'Device', value: clean(event.device) + (event.site ? ` (${clean(event.site)})` : '') },
          { label: 'Worker', value: clean(event.worker) },
          { label: 'Reason', value: clean(event.reason, TEXT_LIMIT) },
          { label: 'Since', value: localTime(event.at) },
        ],
      };
    case 'worker-offline':
      return {
        title: `poshil: worker ${clean(event.worker)} is offline`,
        facts: [
          { label: 'Worker', value: clean(event.worker) },
          { label: 'Last seen', value: localTime(event.lastSeen) },
        ],
      };
    case 'campaign-finished': {
      const cancelled = event.counts.cancelled ?? 0;
      const total = event.counts.passed + event.counts.failed + cancelled;
      const shown = event.devices.slice(0, 10).map((d) => clean(d)).join(', ') + (event.devices.length > 10 ? `, … (${event.devices.length} in all)` : '');
      return {
        title: `poshil: campaign ${clean(event.submissionId)} finished: ${event.counts.passed} of ${total} devices passed`,
        facts: [
          { label: 'Selection', value: clean(event.selection, TEXT_LIMIT) },
          ...(event.plan ? [{ label: 'Plan', value: clean(event.plan) }] : []),
          ...(event.suite ? [{ label: 'Suite', value: clean(event.suite) }] : []),
          { label: 'Devices', value: clean(shown, TEXT_LIMIT) },
          { label: 'Runs', value: `${event.counts.passed} passed, ${event.counts.failed} failed${cancelled ? `, ${cancelled} cancelled` : ''}` },
          { label: 'Finished', value: localTime(event.at) },
        ],
      };
    }
    default: {
      // An event from a newer poshil, or a malformed one read back from the queue: still tell someone.
      const kind: unknown = (event as { kind?: unknown }).kind;
      return { title: `poshil: lab event ${clean(String(kind))}`, facts: [] };
    }
  }
}
