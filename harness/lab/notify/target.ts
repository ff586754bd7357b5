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

/**
 * Ports fetch never connects to: the Fetch Standard's "bad ports"
 * (https://fetch.spec.whatwg.org/#port-blocking), which Node's fetch refuses with "bad port".
 * A webhook on one of them could never be reached, however often it was tried.
 */
export const BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143,
  161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045,
  4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** The URL's port when fetch refuses to connect to it, else undefined. */
export function blockedPort(url: URL): number | undefined {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return BLOCKED_PORTS.has(port) ? port : undefined;
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
  const port = blockedPort(url);
  if (port !== undefined) return `${who}: port ${port} is one that HTTP clients refuse to connect to (the Fetch Standard's bad ports); use another port`;
  if (!WEBHOOK_FORMATS.includes(target.format)) return `${who}: format must be one of ${WEBHOOK_FORMATS.join(', ')}`;
  const unknown = (target.events ?? []).filter((k) => !EVENT_KINDS.includes(k));
  if (unknown.length > 0) return `${who}: unknown event kind(s) ${unknown.join(', ')}; known: ${EVENT_KINDS.join(', ')}`;
  if (target.secret !== undefined && (target.format === 'slack' || target.format === 'wecom')) {
    return `${who}: ${target.format} robots take no signing secret (their URL is the secret); leave secret out`;
  }
  if (target.secret !== undefined && target.secret === '') return `${who}: the secret is empty`;
  return null;
}
