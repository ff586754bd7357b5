/**
 * Posting a message to a webhook, with retries: a chat service that is briefly down or rate-limits
 * the lab must not swallow the message that a store's morning check failed. Network errors,
 * time-outs, 408, 429 and 5xx are retried with exponential backoff and jitter (a `Retry-After` is
 * honoured as given); any other 4xx is final, since sending the same body again cannot help.
 * DingTalk and WeCom answer 200 with an `errcode` in the body: non-zero is a failure, and their
 * "too many messages" codes are retried like a 429.
 *
 * Nothing here logs; the result names the target and its masked URL, and every error text passes
 * through the masking, so the webhook's secret never reaches a log or a screen.
 */
import { maskSecret } from '../secrets.js';
import type { LabEvent } from './events.js';
import { formatMessage, requestUrl, signatureHeaders } from './format.js';
import { blockedPort, maskWebhookUrl, wants, type WebhookTarget } from './target.js';

export interface DeliverOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** Time-out of one attempt, from sending to the whole answer read (default 10 s). */
  timeoutMs?: number;
  /** Delay before the first retry; doubled for each later one (default 1 s). */
  baseDelayMs?: number;
  /** Longest wait between attempts, `Retry-After` included; a longer `Retry-After` ends the retries (default 60 s). */
  maxDelayMs?: number;
  /** Stops waiting and sending, e.g. on SIGINT. */
  signal?: AbortSignal;
  /** Clock for DingTalk's signature (default Date.now). */
  now?: () => number;
  /** Source of jitter in [0, 1) (default Math.random). */
  random?: () => number;
}

export interface DeliveryResult {
  target: string;
  /** The URL as it may be shown (origin only). */
  url: string;
  kind: LabEvent['kind'];
  ok: boolean;
  attempts: number;
  /** HTTP status of the last answer, if there was one. */
  status?: number;
  /** Why the last attempt failed, masked; absent when ok. */
  error?: string;
  elapsedMs: number;
}

/** DingTalk 130101 and WeCom 45009: the robot sent too many messages in this minute. */
const RATE_LIMIT_CODES = new Set([130101, 45009]);
const USER_AGENT = 'poshil-lab-notify/1';

interface AttemptOutcome {
  ok: boolean;
  retry: boolean;
  status?: number;
  error?: string;
  retryAfterMs?: number;
}

/** Posts the event to the target, retrying as described above. Never throws for a delivery failure. */
export async function deliver(target: WebhookTarget, event: LabEvent, options: DeliverOptions = {}): Promise<DeliveryResult> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const body = JSON.stringify(formatMessage(target, event));
  const started = performance.now();
  const result = (attempt: number, outcome: AttemptOutcome): DeliveryResult => ({
    target: target.name,
    url: maskWebhookUrl(target.url),
    kind: event.kind,
    ok: outcome.ok,
    attempts: attempt,
    ...(outcome.status !== undefined ? { status: outcome.status } : {}),
    ...(outcome.error !== undefined ? { error: hideUrl(target, outcome.error) } : {}),
    elapsedMs: Math.round(performance.now() - started),
  });

  // Sending cannot help a target that is not even a URL (and fetch's error would quote it).
  const parsed = URL.parse(target.url);
  if (!parsed || !/^https?:$/.test(parsed.protocol)) return result(0, { ok: false, retry: false, error: 'the webhook url is not a valid http(s) URL' });
  // Stored before `webhook add` refused such ports: fetch would refuse every attempt.
  const port = blockedPort(parsed);
  if (port !== undefined) return result(0, { ok: false, retry: false, error: `port ${port} is one that HTTP clients refuse to connect to; change the webhook's URL` });
  for (let attempt = 1; ; attempt++) {
    const url = requestUrl(target, now());
    const outcome = await post(target, url, body, timeoutMs, options.signal);
    if (outcome.ok || !outcome.retry || attempt >= attempts || options.signal?.aborted) return result(attempt, outcome);
    const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    // Equal jitter: at least half the backoff, so retries from many workers spread but still back off.
    let delay = backoff / 2 + random() * (backoff / 2);
    if (outcome.retryAfterMs !== undefined) {
      if (outcome.retryAfterMs > maxDelayMs) {
        return result(attempt, { ...outcome, error: `${outcome.error ?? 'refused'}; the server asks to wait ${Math.ceil(outcome.retryAfterMs / 1000)} s, longer than the ${Math.ceil(maxDelayMs / 1000)} s allowed` });
      }
      delay = outcome.retryAfterMs;
    }
    if (!(await sleep(delay, options.signal))) return result(attempt, { ...outcome, error: `${outcome.error ?? 'failed'}; interrupted before the next attempt` });
  }
}

/** Delivers the event to every target that wants it, at once; one result per such target. */
export async function notifyAll(targets: readonly WebhookTarget[], event: LabEvent, options: DeliverOptions = {}): Promise<DeliveryResult[]> {
  return Promise.all(targets.filter((t) => wants(t, event)).map((t) => deliver(t, event, options)));
}

async function post(target: WebhookTarget, url: string, body: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<AttemptOutcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': USER_AGENT, ...signatureHeaders(target, body) },
      body,
      redirect: 'manual',
      signal: combined,
    });
    const text = await response.text();
    const status = response.status;
    if (status >= 200 && status < 300) return robotAnswer(target, status, text);
    const what = `HTTP ${status}${snippet(text)}`;
    if (status >= 300 && status < 400) return { ok: false, retry: false, status, error: `${what}: the webhook redirects; configure the address it redirects to` };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const retry = status === 408 || status === 429 || status >= 500;
    return { ok: false, retry, status, error: what, ...(retry && retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  } catch (error) {
    if (signal?.aborted) return { ok: false, retry: false, error: 'interrupted' };
    if (timeout.aborted) return { ok: false, retry: true, error: `no answer within ${timeoutMs} ms` };
    return { ok: false, retry: true, error: networkError(error) };
  }
}

/** DingTalk and WeCom say in the body whether they took the message. */
function robotAnswer(target: WebhookTarget, status: number, text: string): AttemptOutcome {
  if (target.format !== 'dingtalk' && target.format !== 'wecom') return { ok: true, retry: false, status };
  let answer: { errcode?: unknown; errmsg?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    return { ok: false, retry: false, status, error: `HTTP ${status} but the answer is not the robot's JSON${snippet(text)}` };
  }
  const code = typeof answer.errcode === 'number' ? answer.errcode : 0;
  if (code === 0) return { ok: true, retry: false, status };
  return { ok: false, retry: RATE_LIMIT_CODES.has(code), status, error: `the robot refused the message: errcode ${code} ${maskSecret(String(answer.errmsg ?? '')).slice(0, 200)}` };
}

/** `Retry-After` as seconds or an HTTP date, in ms from now. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function networkError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    parts.push(`${e instanceof Error ? e.message : String(e)}${typeof code === 'string' && !(e instanceof Error && e.message.includes(code)) ? ` (${code})` : ''}`);
  }
  return parts.join(': ');
}

function snippet(text: string): string {
  const shown = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return shown ? `: ${shown}` : '';
}

/** Every spelling of the target's URL (as given, as signed, its path) replaced by its masked form, then the rest masked. */
function hideUrl(target: WebhookTarget, text: string): string {
  let out = text;
  try {
    const url = new URL(target.url);
    const spellings = [target.url, url.toString(), `${url.pathname}${url.search}`, url.search.slice(1)].filter((s) => s.length > 1);
    for (const s of spellings.sort((a, b) => b.length - a.length)) out = out.split(s).join(maskWebhookUrl(target.url));
    // A server may echo one part alone (`no hook <token>`): any path segment or query value long
    // enough to be a token is hidden wherever it appears, and so is the signing secret.
    const parts = [...url.pathname.split('/'), ...[...url.searchParams.values()], target.secret ?? ''].flatMap((p) => [p, safeDecode(p)]);
    for (const p of new Set(parts.filter((p) => p.length >= 8))) out = out.split(p).join('***');
  } catch {
    out = out.split(target.url).join('(the webhook url)');
  }
  return maskSecret(out);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
