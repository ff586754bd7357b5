/**
 * The lab's webhooks: kept in the database so that every worker tells the same people, delivered
 * in the background (a slow chat server never holds up a run), and never shown with their URL's
 * secret part.
 */
import type pg from 'pg';
import { InputError } from '../core/errors.js';
import { checkTarget, maskWebhookUrl, notifyAll, type LabEvent, type LabEventKind, type WebhookFormat, type WebhookTarget } from './notify/index.js';

interface WebhookRow {
  name: string;
  url: string;
  format: WebhookFormat;
  events: LabEventKind[] | null;
  secret: string | null;
}

export async function addWebhook(pool: pg.Pool, target: WebhookTarget): Promise<void> {
  const problem = checkTarget(target);
  if (problem) throw new InputError('E_LAB_WEBHOOK', problem);
  await pool.query(
    'INSERT INTO lab.webhooks (name, url, format, events, secret) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (name) DO UPDATE SET url = $2, format = $3, events = $4, secret = $5',
    [target.name, target.url, target.format, target.events ?? null, target.secret ?? null],
  );
}

export async function removeWebhook(pool: pg.Pool, name: string): Promise<boolean> {
  return ((await pool.query('DELETE FROM lab.webhooks WHERE name = $1', [name])).rowCount ?? 0) > 0;
}

export async function webhookTargets(pool: pg.Pool): Promise<WebhookTarget[]> {
  const { rows } = await pool.query<WebhookRow>('SELECT name, url, format, events, secret FROM lab.webhooks ORDER BY name');
  return rows.map((r) => ({ name: r.name, url: r.url, format: r.format, ...(r.events ? { events: r.events } : {}), ...(r.secret ? { secret: r.secret } : {}) }));
}

/** What `lab webhook list` shows: name, format, events and the URL's origin only. */
export async function listWebhooks(pool: pg.Pool): Promise<{ name: string; format: string; url: string; events: string; signed: boolean }[]> {
  return (await webhookTargets(pool)).map((t) => ({ name: t.name, format: t.format, url: maskWebhookUrl(t.url), events: t.events?.join(',') ?? 'all', signed: t.secret !== undefined }));
}

/** Posts the event to every webhook that wants it; says in `log` how each delivery went. */
export async function notify(pool: pg.Pool, event: LabEvent, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const targets = await webhookTargets(pool);
  const results = await notifyAll(targets, event, signal ? { signal } : {});
  for (const r of results) log(`webhook ${r.target} (${r.url}): ${event.kind} ${r.ok ? 'delivered' : `NOT delivered after ${r.attempts} attempt(s): ${r.error ?? `HTTP ${r.status}`}`}`);
}
