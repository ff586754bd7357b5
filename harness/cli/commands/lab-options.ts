/** Options every lab command shares: where the lab's database is, and time spans. */
import { InputError } from '../../core/errors.js';
import { parseDuration } from '../../config/quantities.js';

export interface DatabaseOptions {
  dir?: string;
  database?: string;
  json?: boolean;
}

export const DIR_HELP = 'lab folder of the embedded database (default .poshil/lab)';
export const DATABASE_HELP = 'PostgreSQL URL of a lab server of your own (default $POSHIL_DATABASE_URL, else the lab folder\'s)';

export async function connect(options: DatabaseOptions, application: string) {
  const { databaseUrl, openLabDatabase, DEFAULT_LAB_DIR } = await import('../../lab/db/connect.js');
  const url = databaseUrl({ ...(options.database ? { database: options.database } : {}), dir: options.dir ?? DEFAULT_LAB_DIR });
  return openLabDatabase(url, application);
}

const MAX_SPAN_DAYS = 36_500;

/** `7d`, `12h`, `90m`: a time span for --since. */
export function span(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const days = /^(\d+(?:\.\d+)?)d$/.exec(text.trim());
  const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(text);
  if (ms === undefined || ms <= 0) throw new InputError('E_OPTION', `${flag} ${text} is not a time span`, { hint: 'write e.g. 7d, 12h, 90m' });
  // PostgreSQL's intervals end near 178 million years; a lab's history ends long before.
  if (ms > MAX_SPAN_DAYS * 86_400_000) throw new InputError('E_OPTION', `${flag} ${text} reaches back more than ${MAX_SPAN_DAYS} days`, { hint: `leave ${flag} out for every result the lab holds` });
  return ms;
}

