/**
 * The JSON body each kind of webhook accepts (docs/lab-notifications.md shows them all):
 * - generic: poshil's own `{version, kind, title, text, …event fields}`;
 * - Slack incoming webhook: `{text, blocks}` (a header and one mrkdwn section);
 * - DingTalk custom robot: `{msgtype: 'markdown', markdown: {title, text}}`;
 * - WeCom (企业微信) group robot: `{msgtype: 'markdown', markdown: {content}}`.
 * Every string is cleaned first (message.ts); markup characters in device strings are escaped so
 * that a device name cannot turn into a link or a mention.
 */
import { createHmac } from 'node:crypto';
import type { LabEvent } from './events.js';
import { clean, describeEvent, NAME_LIMIT, TEXT_LIMIT, type Message } from './message.js';
import type { WebhookTarget } from './target.js';

export interface GenericBody {
  version: 1;
  kind: LabEvent['kind'];
  title: string;
  text: string;
  [field: string]: unknown;
}
export interface SlackBody {
  text: string;
  blocks: ({ type: 'header'; text: { type: 'plain_text'; text: string } } | { type: 'section'; text: { type: 'mrkdwn'; text: string } })[];
}
export interface DingTalkBody {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
}
export interface WeComBody {
  msgtype: 'markdown';
  markdown: { content: string };
}
export type WebhookBody = GenericBody | SlackBody | DingTalkBody | WeComBody;

/** WeCom refuses markdown content over 4096 bytes of UTF-8; Slack a header over 150 characters or a section over 3000. */
export const WECOM_CONTENT_BYTES = 4096;
const SLACK_HEADER_CHARS = 150;
const SLACK_SECTION_CHARS = 3000;
const LONG_FIELDS = new Set(['firstFailure', 'reason', 'selection']);

/** The body to post for the event to this target. */
export function formatMessage(target: WebhookTarget, event: LabEvent): WebhookBody {
  const message = describeEvent(event);
  switch (target.format) {
    case 'generic':
      return { version: 1, kind: event.kind, title: message.title, text: plainText(message), ...cleanFields(event) };
    case 'slack':
      return {
        text: slackEscape(message.title),
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: cut(message.title, SLACK_HEADER_CHARS) } },
          { type: 'section', text: { type: 'mrkdwn', text: cut(message.facts.map((f) => `*${f.label}:* ${slackEscape(f.value)}`).join('\n'), SLACK_SECTION_CHARS) } },
        ],
      };
    case 'dingtalk':
      return {
        msgtype: 'markdown',
        markdown: { title: cut(message.title, 64), text: [`#### ${markdownEscape(message.title)}`, '', ...message.facts.map((f) => `- **${f.label}**: ${markdownEscape(f.value)}`)].join('\n') },
      };
    case 'wecom':
      return {
        msgtype: 'markdown',
        markdown: { content: cutBytes([`**${markdownEscape(message.title)}**`, ...message.facts.map((f) => `> ${f.label}: ${markdownEscape(f.value)}`)].join('\n'), WECOM_CONTENT_BYTES) },
      };
  }
}

/** Title and facts as plain lines, for the generic body's `text`. */
export function plainText(message: Message): string {
  return [message.title, ...message.facts.map((f) => `${f.label}: ${f.value}`)].join('\n');
}

/**
 * The URL to post to. A DingTalk robot with a signing secret wants `timestamp` (ms) and
 * `sign` = url-encoded base64 of HMAC-SHA256 over `timestamp + "\n" + secret`, keyed by the secret;
 * DingTalk refuses a timestamp more than an hour off its clock.
 */
export function requestUrl(target: WebhookTarget, nowMs: number): string {
  if (target.format !== 'dingtalk' || !target.secret) return target.url;
  const timestamp = String(Math.round(nowMs));
  const sign = createHmac('sha256', target.secret).update(`${timestamp}\n${target.secret}`, 'utf8').digest('base64');
  const url = new URL(target.url);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('sign', sign);
  return url.toString();
}

/** Headers besides the content type: a generic target with a secret gets the body's HMAC. */
export function signatureHeaders(target: WebhookTarget, body: string): Record<string, string> {
  if (target.format !== 'generic' || !target.secret) return {};
  return { 'x-poshil-signature-256': `sha256=${createHmac('sha256', target.secret).update(body, 'utf8').digest('hex')}` };
}

function cleanFields(event: LabEvent): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    // The envelope's own fields are not the event's to set.
    if (key === 'version' || key === 'kind' || key === 'title' || key === 'text') continue;
    if (typeof value === 'string') fields[key] = clean(value, LONG_FIELDS.has(key) ? TEXT_LIMIT : NAME_LIMIT);
    else if (Array.isArray(value)) fields[key] = value.slice(0, 1000).map((v) => (typeof v === 'string' ? clean(v) : v));
    else if (value && typeof value === 'object') fields[key] = Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'number'));
    else if (typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return fields;
}

/** Slack mrkdwn: `&`, `<` and `>` are control characters (links, mentions such as <!channel>). */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** DingTalk and WeCom markdown: HTML and the characters that start emphasis, code, links or tables. */
function markdownEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/([\\`*_[\]~|])/g, '\\$1');
}

function cut(text: string, limit: number): string {
  const chars = Array.from(text);
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}

function cutBytes(text: string, limit: number): string {
  if (Buffer.byteLength(text, 'utf8') <= limit) return text;
  let kept = '';
  let bytes = Buffer.byteLength('…', 'utf8');
  for (const char of text) {
    bytes += Buffer.byteLength(char, 'utf8');
    if (bytes > limit) break;
    kept += char;
  }
  return `${kept}…`;
}
