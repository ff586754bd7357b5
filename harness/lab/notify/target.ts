/**
 * A webhook target: where a lab's messages go and in which shape. The URL itself is a secret for
 * most chat robots (Slack's path, WeCom's `key`, DingTalk's `access_token`), so it is only ever
 * shown as its origin.
 */
import { EVENT_KINDS, type LabEvent, type LabEventKind } from './events.js';

export type WebhookFormat = 'generic' | 'slack' | 'dingtalk' | 'wecom';
export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ['generic', 'slack', 'dingtalk', 'wecom'];

export interface WebhookTarget {
  /** Name shown in logs and results instead of the URL, e.g. `store-ops-dingtalk`. */
  name: string;
  url: string;
  format: WebhookFormat;
  /** Event kinds this target wants; all kinds when left out. */
  events?: LabEventKind[];
  /**
   * DingTalk: the robot's signing secret (`SEC…`), which adds `timestamp` and `sign` to the URL.
   * Generic: a shared key; the body's HMAC-SHA256 goes in the `X-Poshil-Signature-256` header.
   */
  secret?: string;
}

/** Whether the target wants to hear about the event. */
export function wants(target: WebhookTarget, event: LabEvent): boolean {
  return !target.events || target.events.includes(event.kind);
}

/** The URL as it may be shown: `https://oapi.dingtalk.com/…`. */
export function maskWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // Any other scheme's "origin" may be the whole opaque text, secret included.
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return '(not an http(s) URL)';
    const more = parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '';
    return `${parsed.protocol}//${parsed.host}${more ? '/…' : ''}`;
  } catch {
    return '(not an http(s) URL)';
  }
}

/** Why the target cannot be used, or null. Never quotes the URL. */
export function checkTarget(target: WebhookTarget): string | null {
  const name = typeof target.name === 'string' && target.name.trim() !== '' ? target.name : undefined;
  const who = `webhook ${name ?? '(unnamed)'}`;
  if (!name) return `${who}: give the target a name (it is shown instead of the URL)`;
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return `${who}: the url is not a valid URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${who}: the url must be http:// or https://, not ${url.protocol}//`;
  if (url.username || url.password) return `${who}: put no user name or password in the url; use the target's secret`;
  if (!WEBHOOK_FORMATS.includes(target.format)) return `${who}: format must be one of ${WEBHOOK_FORMATS.join(', ')}`;
  const unknown = (target.events ?? []).filter((k) => !EVENT_KINDS.includes(k));
  if (unknown.length > 0) return `${who}: unknown event kind(s) ${unknown.join(', ')}; known: ${EVENT_KINDS.join(', ')}`;
  if (target.secret !== undefined && (target.format === 'slack' || target.format === 'wecom')) {
    return `${who}: ${target.format} robots take no signing secret (their URL is the secret); leave secret out`;
  }
  if (target.secret !== undefined && target.secret === '') return `${who}: the secret is empty`;
  return null;
}
