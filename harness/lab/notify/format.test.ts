import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LabEvent, RunFailedEvent } from './events.js';
import { formatMessage, requestUrl, WECOM_CONTENT_BYTES, type DingTalkBody, type GenericBody, type SlackBody, type WeComBody } from './format.js';
import { checkTarget, maskWebhookUrl, wants, type WebhookTarget } from './target.js';

const failed: RunFailedEvent = {
  kind: 'run-failed',
  jobId: 'job-7',
  device: 'till-3',
  site: 'store-12',
  plan: 'daily-health',
  counts: { total: 11, passed: 9, failed: 2, errors: 0, skipped: 0 },
  firstFailure: 'card-swipe/visa-swipe: card 4111111111111111 declined; host postgres://lab:hunter2@db/poshil',
  schedule: 'morning',
  at: '2026-11-26T23:31:10Z',
};
const events: LabEvent[] = [
  failed,
  { kind: 'schedule-missed', schedule: 'morning', fireTime: '2026-11-26T23:30:00Z', tz: 'Asia/Shanghai' },
  { kind: 'device-quarantined', device: 'till-3', worker: 'bench-host-2', reason: 'health check failed 3 times: no answer to identify', at: '2026-11-26T12:00:00Z' },
  { kind: 'worker-offline', worker: 'bench-host-2', lastSeen: '2026-11-26T11:58:00Z' },
  { kind: 'campaign-finished', submissionId: 'sub-42', selection: 'brand=acme,firmware=2.1', devices: ['p3-a', 'p3-b', 'p3-c'], counts: { passed: 2, failed: 1 }, plan: 'pos-acceptance', at: '2026-11-26T13:00:00Z' },
];
const target = (format: WebhookTarget['format'], extra: Partial<WebhookTarget> = {}): WebhookTarget => ({ name: `ops-${format}`, url: 'https://hooks.example/x?token=T0KEN', format, ...extra });

describe('formatMessage', () => {
  it('gives the generic body with kind, title, text and the cleaned event fields', () => {
    const body = formatMessage(target('generic'), failed) as GenericBody;
    expect(body).toMatchObject({ version: 1, kind: 'run-failed', jobId: 'job-7', device: 'till-3', site: 'store-12', plan: 'daily-health', schedule: 'morning', counts: { total: 11, passed: 9, failed: 2 } });
    expect(body.title).toBe('poshil: daily-health FAILED on till-3 (store-12)');
    expect(body.text).toContain('Cases: 9 passed, 2 failed of 11');
    expect(body.text).toContain('Ended: 2026-11-26 23:31 UTC');
    expect(body.firstFailure).toBe('card-swipe/visa-swipe: card 411111******1111 declined; host postgres://lab:***@db/poshil');
  });

  it('shows a missed schedule at its own local time', () => {
    const body = formatMessage(target('generic'), events[1]!) as GenericBody;
    expect(body.title).toBe('poshil: schedule morning did not run at 2026-11-27 07:30 Asia/Shanghai');
  });

  it("counts a campaign's cancelled jobs apart from its failed runs", () => {
    const body = formatMessage(target('generic'), { ...(events[4] as LabEvent & { kind: 'campaign-finished' }), counts: { passed: 2, failed: 1, cancelled: 1 } }) as GenericBody;
    expect(body.title).toBe('poshil: campaign sub-42 finished: 2 of 4 devices passed');
    expect(body.text).toContain('2 passed, 1 failed, 1 cancelled');
  });

  it('gives Slack a fallback text, a header and a mrkdwn section', () => {
    const body = formatMessage(target('slack'), { ...failed, device: 'till <!channel> & co' }) as SlackBody;
    expect(body.text).toBe('poshil: daily-health FAILED on till &lt;!channel&gt; &amp; co (store-12)');
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'poshil: daily-health FAILED on till <!channel> & co (store-12)' } });
    expect(body.blocks[1]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect((body.blocks[1] as { text: { text: string } }).text.text).toContain('*Device:* till &lt;!channel&gt; &amp; co (store-12)');
  });

  it('gives DingTalk and WeCom markdown, with markup in device strings escaped', () => {
    const hostile = { ...failed, device: 'till](http://evil.example)*' };
    const ding = formatMessage(target('dingtalk'), hostile) as DingTalkBody;
    expect(ding.msgtype).toBe('markdown');
    expect(ding.markdown.title).toContain('FAILED');
    expect(ding.markdown.text).toContain('- **Device**: till\\](http://evil.example)\\* (store-12)');
    const wecom = formatMessage(target('wecom'), hostile) as WeComBody;
    expect(wecom).toMatchObject({ msgtype: 'markdown' });
    expect(wecom.markdown.content.split('\n')[0]).toMatch(/^\*\*poshil: daily-health FAILED on till\\\]\(http/);
  });

  it('never lets a card number or a credential into any body', () => {
    const pans = ['4111111111111111', '5555555555554444', '378282246310005'];
    fc.assert(
      fc.property(fc.constantFrom(...pans), fc.constantFrom(...events), fc.constantFrom('generic', 'slack', 'dingtalk', 'wecom') as fc.Arbitrary<WebhookTarget['format']>, fc.string({ minLength: 8, maxLength: 20, unit: fc.constantFrom(...'abcXYZ019!$%'.split('')) }), (pan, event, format, pw) => {
        const dirty = JSON.parse(JSON.stringify(event, (key, v: unknown) => (typeof v === 'string' && key !== 'kind' && !/^\d{4}-/.test(v) ? `${v} ${pan} postgres://u:${pw}@h/d ;${pan}=25121010000000000?` : v))) as LabEvent;
        const body = JSON.stringify(formatMessage(target(format), dirty));
        return !body.includes(pan) && !body.includes(pw);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps WeCom content under its byte limit and every text on one line and short', () => {
    const long = { ...failed, firstFailure: '失败'.repeat(5000), device: 'x\n'.repeat(500) };
    const wecom = formatMessage(target('wecom'), long) as WeComBody;
    expect(Buffer.byteLength(wecom.markdown.content, 'utf8')).toBeLessThanOrEqual(WECOM_CONTENT_BYTES);
    const generic = formatMessage(target('generic'), long) as GenericBody;
    expect(Array.from(generic.firstFailure as string)).toHaveLength(400);
    expect(generic.device as string).not.toContain('\n');
    expect(Array.from(generic.device as string).length).toBeLessThanOrEqual(80);
  });
});

describe('targets', () => {
  it('signs a DingTalk URL with timestamp and sign as DingTalk documents', () => {
    const url = new URL(requestUrl(target('dingtalk', { url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SECxyz' }), 1_700_000_000_000));
    expect(url.searchParams.get('access_token')).toBe('abc');
    expect(url.searchParams.get('timestamp')).toBe('1700000000000');
    const expected = createHmac('sha256', 'SECxyz').update('1700000000000\nSECxyz').digest('base64');
    expect(url.searchParams.get('sign')).toBe(expected);
    expect(url.search).toContain(`sign=${encodeURIComponent(expected)}`);
    expect(requestUrl(target('dingtalk'), 1)).toBe('https://hooks.example/x?token=T0KEN');
  });

  it('shows a webhook URL as its origin only', () => {
    expect(maskWebhookUrl('https://hooks.slack.com/services/T0/B0/XYZ')).toBe('https://hooks.slack.com/…');
    expect(maskWebhookUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(maskWebhookUrl('no url')).toBe('(not an http(s) URL)');
  });

  it('filters events by kind', () => {
    expect(wants(target('generic', { events: ['run-failed'] }), failed)).toBe(true);
    expect(wants(target('generic', { events: ['worker-offline'] }), failed)).toBe(false);
    expect(wants(target('generic'), failed)).toBe(true);
  });

  it('checks a target without quoting its URL', () => {
    expect(checkTarget(target('generic'))).toBeNull();
    expect(checkTarget(target('dingtalk', { secret: 'SEC1' }))).toBeNull();
    expect(checkTarget(target('slack', { secret: 's' }))).toMatch(/slack robots take no signing secret/);
    expect(checkTarget({ ...target('generic'), url: 'ftp://secret-host/x' })).toMatch(/must be http/);
    expect(checkTarget({ ...target('generic'), url: 'https://u:pw@h/x' })).toMatch(/no user name or password/);
    expect(checkTarget({ ...target('generic'), url: 'http://127.0.0.1:1/x' })).toBe("webhook ops-generic: port 1 is one that HTTP clients refuse to connect to (the Fetch Standard's bad ports); use another port");
    expect(checkTarget({ ...target('generic'), url: 'http://h:6001/x' })).toBeNull();
    expect(checkTarget({ ...target('generic'), format: 'teams' as never })).toMatch(/format must be one of generic, slack, dingtalk, wecom/);
    expect(checkTarget(target('generic', { events: ['run-failed', 'lunch' as never] }))).toMatch(/unknown event kind\(s\) lunch/);
    expect(checkTarget({ ...target('generic'), name: '' })).toMatch(/give the target a name/);
    for (const t of [target('generic'), { ...target('generic'), url: 'not a url T0KEN' }]) expect(checkTarget(t) ?? '').not.toContain('T0KEN');
  });
});
