import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { deliver, notifyAll, parseRetryAfter, type DeliverOptions } from './deliver.js';
import type { LabEvent, RunFailedEvent } from './events.js';
import { BLOCKED_PORTS, type WebhookTarget } from './target.js';
import { startReceiver, type Receiver, type Reply } from './test-support/receiver.js';

const SECRET_TOKEN = 'tok-9f8e7d6c5b4a';
const failed: RunFailedEvent = {
  kind: 'run-failed',
  jobId: 'job-7',
  device: 'till-3',
  site: 'store-12',
  plan: 'daily-health',
  counts: { total: 11, passed: 9, failed: 2 },
  firstFailure: 'card-swipe/visa-swipe: card 4111111111111111 declined',
  schedule: 'morning',
  at: '2026-11-26T23:31:10Z',
};
const fast: DeliverOptions = { baseDelayMs: 5, maxDelayMs: 2000, timeoutMs: 2000 };

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function receiving(answer: (n: number, path: string, body: string) => Reply): Promise<Receiver> {
  receiver = await startReceiver((request, n) => answer(n, request.path, request.body));
  return receiver;
}
const ok: Reply = { status: 200, body: '{"ok":true}' };
const generic = (base: string, extra: Partial<WebhookTarget> = {}): WebhookTarget => ({ name: 'store-ops', url: `${base}/hooks/${SECRET_TOKEN}?token=${SECRET_TOKEN}`, format: 'generic', ...extra });

describe('deliver', () => {
  it('retries 5xx answers with growing delays and delivers the generic body', async () => {
    const r = await receiving((n) => (n <= 2 ? { status: 503, body: 'busy' } : ok));
    const result = await deliver(generic(r.base), failed, { ...fast, baseDelayMs: 40, random: () => 0 });
    expect(result).toMatchObject({ target: 'store-ops', url: `${r.base}/…`, kind: 'run-failed', ok: true, attempts: 3, status: 200 });
    expect(result.error).toBeUndefined();
    expect(r.received).toHaveLength(3);
    const [first, second, third] = r.received.map((q) => q.at);
    // Equal jitter with random() = 0 waits half the backoff: 20 ms, then 40 ms.
    expect(second! - first!).toBeGreaterThanOrEqual(19);
    expect(third! - second!).toBeGreaterThanOrEqual(39);
    const body = JSON.parse(r.received[2]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ version: 1, kind: 'run-failed', jobId: 'job-7', device: 'till-3', plan: 'daily-health', schedule: 'morning' });
    expect(body.firstFailure).toBe('card-swipe/visa-swipe: card 411111******1111 declined');
    expect(r.received[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.received[0]!.method).toBe('POST');
  });

  it('honours Retry-After on a 429', async () => {
    const r = await receiving((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : ok));
    const result = await deliver(generic(r.base), failed, fast);
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(r.received[1]!.at - r.received[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('gives up at once when Retry-After asks for longer than it may wait', async () => {
    const r = await receiving(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const result = await deliver(generic(r.base), failed, fast);
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 429 });
    expect(result.error).toMatch(/asks to wait 3600 s, longer than the 2 s allowed/);
  });

  it('does not retry other 4xx answers, and says why without the secret', async () => {
    const r = await receiving(() => ({ status: 404, body: `no hook ${SECRET_TOKEN} at /hooks/${SECRET_TOKEN}` }));
    const result = await deliver(generic(r.base), failed, fast);
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 404 });
    expect(result.error).toBe('HTTP 404: no hook *** at /hooks/***');
    expect(JSON.stringify(result)).not.toContain(SECRET_TOKEN);
  });

  it('retries a dropped connection and an answer that never comes', async () => {
    const r = await receiving((n) => (n === 1 ? 'drop' : n === 2 ? 'hang' : ok));
    const result = await deliver(generic(r.base), failed, { ...fast, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: true, attempts: 3 });
  });

  it('reports the last failure, masked, when every attempt fails', async () => {
    const r = await receiving(() => 'drop');
    const result = await deliver(generic(r.base), failed, { ...fast, attempts: 3 });
    expect(result).toMatchObject({ ok: false, attempts: 3 });
    expect(result.status).toBeUndefined();
    expect(result.error).toMatch(/fetch failed/);
    expect(r.received).toHaveLength(3);
    expect(JSON.stringify(result)).not.toContain(SECRET_TOKEN);
  });

  it('names an unreachable host without its secret', async () => {
    const r = await receiving(() => ok);
    const base = r.base;
    await r.close();
    receiver = undefined;
    const result = await deliver(generic(base), failed, { ...fast, attempts: 2 });
    expect(result).toMatchObject({ ok: false, attempts: 2, url: `${base}/…` });
    expect(result.error).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(result)).not.toContain(SECRET_TOKEN);
  });

  it('does not send to a target that is not a URL, and does not quote it', async () => {
    const result = await deliver({ name: 'typo', url: `htps:/hooks example/${SECRET_TOKEN}`, format: 'dingtalk', secret: 'SEC1' }, failed, fast);
    expect(result).toMatchObject({ ok: false, attempts: 0, url: '(not an http(s) URL)', error: 'the webhook url is not a valid http(s) URL' });
    expect(JSON.stringify(result)).not.toContain(SECRET_TOKEN);
  });

  it('does not try a port that fetch refuses, for a target stored before add refused it', async () => {
    const result = await deliver({ name: 'old', url: `http://127.0.0.1:6000/hooks/${SECRET_TOKEN}`, format: 'generic' }, failed, fast);
    expect(result).toMatchObject({ ok: false, attempts: 0, error: "port 6000 is one that HTTP clients refuse to connect to; change the webhook's URL" });
  });

  it('knows the ports that fetch refuses, as Node refuses them', async () => {
    const refused = async (port: number) => {
      try {
        // Loopback: a port fetch does try is refused or answered at once.
        await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
        return false;
      } catch (error) {
        return (error as { cause?: { message?: string } }).cause?.message === 'bad port';
      }
    };
    for (const port of BLOCKED_PORTS) expect(await refused(port), `port ${port}`).toBe(true);
    for (const port of [2, 24, 80, 443, 1718, 5432, 6001, 6664, 10079, 10081]) expect(await refused(port), `port ${port}`).toBe(false);
  });

  it('stops when interrupted', async () => {
    const r = await receiving(() => ({ status: 503 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await deliver(generic(r.base), failed, { ...fast, baseDelayMs: 10_000, maxDelayMs: 60_000, signal: controller.signal });
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(result.error).toMatch(/interrupted/);
  });

  it('signs the generic body when the target has a secret', async () => {
    const r = await receiving(() => ok);
    await deliver(generic(r.base, { secret: 'shared-key' }), failed, fast);
    const request = r.received[0]!;
    expect(request.headers['x-poshil-signature-256']).toBe(`sha256=${createHmac('sha256', 'shared-key').update(request.body).digest('hex')}`);
  });
});

describe('chat robots', () => {
  it('posts a signed DingTalk markdown message that a DingTalk-like check accepts', async () => {
    const secret = 'SEC0123456789abcdef';
    const clock = 1_790_000_000_000;
    // What DingTalk does: the sign must be HMAC-SHA256(secret, timestamp + "\n" + secret), base64,
    // and the timestamp within an hour of its clock; otherwise errcode 310000.
    const r = await receiving((n, path) => {
      const q = new URL(path, 'http://x').searchParams;
      const ts = q.get('timestamp') ?? '';
      const good = q.get('access_token') === SECRET_TOKEN && Math.abs(Number(ts) - clock) < 3_600_000 && q.get('sign') === createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
      if (!good) return { status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' };
      return n === 1 ? { status: 200, body: '{"errcode":130101,"errmsg":"send too fast"}' } : { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    });
    const target: WebhookTarget = { name: 'store-ops-ding', url: `${r.base}/robot/send?access_token=${SECRET_TOKEN}`, format: 'dingtalk', secret };
    const result = await deliver(target, failed, { ...fast, now: () => clock });
    expect(result).toMatchObject({ ok: true, attempts: 2, status: 200 });
    const body = JSON.parse(r.received[1]!.body) as { msgtype: string; markdown: { title: string; text: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.text).toContain('- **First failure**: card-swipe/visa-swipe: card 411111\\*\\*\\*\\*\\*\\*1111 declined');

    const wrong = await deliver({ ...target, secret: 'SECwrong' }, failed, { ...fast, now: () => clock });
    expect(wrong).toMatchObject({ ok: false, attempts: 1, status: 200, error: 'the robot refused the message: errcode 310000 sign not match' });
    expect(JSON.stringify([result, wrong])).not.toMatch(new RegExp(`${SECRET_TOKEN}|${secret}|SECwrong`));
  });

  it('posts WeCom and Slack bodies in their own shapes', async () => {
    const r = await receiving((_, path) => (path.startsWith('/cgi-bin') ? { status: 200, body: '{"errcode":0,"errmsg":"ok"}' } : { status: 200, body: 'ok' }));
    const targets: WebhookTarget[] = [
      { name: 'wecom', url: `${r.base}/cgi-bin/webhook/send?key=${SECRET_TOKEN}`, format: 'wecom' },
      { name: 'slack', url: `${r.base}/services/T0/B0/${SECRET_TOKEN}`, format: 'slack' },
      { name: 'offline-only', url: `${r.base}/other`, format: 'generic', events: ['worker-offline'] },
    ];
    const results = await notifyAll(targets, failed, fast);
    expect(results.map((x) => [x.target, x.ok])).toEqual([['wecom', true], ['slack', true]]);
    const byPath = (prefix: string) => JSON.parse(r.received.find((q) => q.path.startsWith(prefix))!.body) as Record<string, unknown>;
    expect(byPath('/cgi-bin')).toMatchObject({ msgtype: 'markdown', markdown: { content: expect.stringContaining('**poshil: daily-health FAILED on till-3 (store-12)**') } });
    expect(byPath('/services')).toMatchObject({ text: 'poshil: daily-health FAILED on till-3 (store-12)', blocks: [{ type: 'header' }, { type: 'section' }] });
    expect(r.received).toHaveLength(2);
  });

  it('retries a WeCom robot that is sending too fast and fails on other errcodes', async () => {
    const r = await receiving((n) => ({ status: 200, body: n === 1 ? '{"errcode":45009,"errmsg":"api freq out of limit"}' : '{"errcode":93000,"errmsg":"invalid webhook url"}' }));
    const offline: LabEvent = { kind: 'worker-offline', worker: 'bench-host-2', lastSeen: '2026-11-26T11:58:00Z' };
    const result = await deliver({ name: 'wecom', url: `${r.base}/cgi-bin/webhook/send?key=${SECRET_TOKEN}`, format: 'wecom' }, offline, fast);
    expect(result).toMatchObject({ ok: false, attempts: 2, error: 'the robot refused the message: errcode 93000 invalid webhook url' });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 04:00:10 GMT', Date.parse('2026-11-26T04:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
