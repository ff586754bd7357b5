/**
 * Credentials masked wherever the lab shows a text: the database URL in an error, a webhook URL in
 * a delivery result, a connection string in `lab status`. A lab's database password and its chat
 * robots' tokens must never reach a log, a record, a report or a person's screen.
 *
 * What is masked (each replaced by `***`, everything else kept so the text still says which server
 * or which robot was meant):
 * - the password of any `scheme://user:password@host` URL (postgres://, postgresql://, https://, …);
 * - secret-bearing query parameters: `password`, `sslpassword`, `access_token`, `token`, `sign`,
 *   `key`, `secret`, `signature`, `sig`, `api_key`, `apikey`, `client_secret`, and any name ending
 *   in `password`, `passwd`, `secret` or `token`;
 * - libpq keyword/value strings: `password=…` and `sslpassword=…`, quoted (`'a\'b c'`) or
 *   not, and any `…password=…` as a shell or a command line shows it (`PGPASSWORD="x"`,
 *   `DB_PASSWORD=x`, `--db-password=x`);
 * - JSON members whose name ends in `password`, `passwd`, `secret` or `token`;
 * - `Authorization: Bearer …` / `Basic …` credentials;
 * - webhook URLs whose path is the secret: Slack (`hooks.slack.com/services/T…/…`), Discord
 *   (`discord.com/api/webhooks/ID/…`) and Feishu/Lark (`open.feishu.cn/open-apis/bot/v2/hook/…`)
 *   keep the host and the first segment (team or robot id) and lose the rest.
 *
 * The masking errs towards hiding too much: a URL with an `@` in its path may lose more than its
 * password, never less, and an unquoted `password=` value runs to the next space. Mask strings
 * before they are serialised (a JSON line may otherwise lose its closing quote with the secret).
 */
import { parse as parseConnectionString } from 'pg-connection-string';

export const MASK = '***';

const SECRET_PARAMS = 'password|sslpassword|access_token|token|sign|key|secret|signature|sig|api_key|apikey|client_secret';
// Names that end in one of these are secrets too: db_password, api_token, CLIENT_SECRET.
const SECRET_SUFFIX = '[\\w.-]*(?:password|passwd|secret|token)';
// A query parameter: after `?`, `&` or `;`, up to the next separator, fragment, double quote or
// space. Not up to a single quote: encodeURIComponent leaves `'` as it is, so one may be inside the
// value (the closing quote of a URL written in single quotes is masked with it).
const QUERY_SECRET = new RegExp(`([?&;](?:${SECRET_PARAMS}|${SECRET_SUFFIX})=)[^&#;\\s"<>]*`, 'gi');
// libpq keyword/value (`password = 'quoted \\' value'`, `password=bare`), shell variables
// (`PGPASSWORD="x y"`, `DB_PASSWORD=x`) and options (`--db-password=x`); not a query parameter.
const KEYWORD_SECRET = /((?<![\w?&;.-])[\w.-]*pass(?:word|wd)\s*=\s*)('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|(?:\\.|[^\s\\])*)/gi;
const JSON_SECRET = /("[\w.-]*(?:password|passwd|secret|token)"\s*:\s*)"(?:[^"\\]|\\.)*"?/gi;
const AUTH_HEADER = /(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+/g;
// Webhooks whose path carries the secret: host + first segment kept.
const PATH_SECRET = [
  /(hooks\.slack\.com\/(?:services|workflows|triggers)\/[^/\s"'<>?#]+\/)[^\s"'<>?#]+/gi,
  /((?:discord(?:app)?\.com)\/api\/webhooks\/[^/\s"'<>?#]+\/)[^\s"'<>?#]+/gi,
  /((?:open\.feishu\.cn|open\.larksuite\.com)\/open-apis\/bot\/v2\/hook\/)[^\s"'<>?#]+/gi,
];
const URL_START = /[a-z][a-z0-9+.-]*:\/\//gi;
// Where a URL written inside a text ends.
const URL_END = /[\s"'<>`]/;

/** The text with every credential in it replaced by `***`. */
export function maskSecret(text: string): string {
  let out = maskUserinfo(text);
  out = out.replace(QUERY_SECRET, `$1${MASK}`);
  // A quoted value stays quoted, so the masked string is still one libpq would read the same way.
  out = out.replace(KEYWORD_SECRET, (_, key: string, value: string) => `${key}${value.startsWith("'") || value.startsWith('"') ? `${value[0]}${MASK}${value[0]}` : MASK}`);
  out = out.replace(JSON_SECRET, `$1"${MASK}"`);
  out = out.replace(AUTH_HEADER, `$1${MASK}`);
  for (const pattern of PATH_SECRET) out = out.replace(pattern, `$1${MASK}`);
  return out;
}

/**
 * `scheme://user:password@host` → `scheme://user:***@host`. The password ends at the last `@` of
 * the URL (an unencoded `@` or `/` in a password is common in hand-written URLs, and libpq's own
 * parser reads them that way), so a password cannot leak by containing one.
 */
function maskUserinfo(text: string): string {
  let out = '';
  let from = 0;
  for (const m of text.matchAll(URL_START)) {
    const start = m.index + m[0].length;
    if (start < from) continue;
    let end = start;
    while (end < text.length && !URL_END.test(text[end]!)) end++;
    const url = text.slice(start, end);
    const at = url.lastIndexOf('@');
    const colon = url.indexOf(':');
    // The user name may not hold `/`, `?` or `#`; otherwise the colon is a port's, not a password's.
    if (at < 0 || colon < 0 || colon > at || /[/?#]/.test(url.slice(0, colon))) continue;
    out += text.slice(from, start) + url.slice(0, colon + 1) + MASK;
    from = start + at;
  }
  return out + text.slice(from);
}

// TLS file options and modes only make pg-connection-string warn; a description needs none of them.
const TLS_PARAMS = /([?&])(?:ssl|sslmode|sslcert|sslkey|sslrootcert|sslpassword|uselibpqcompat)=[^&#]*&?/gi;

/**
 * `user@host:port/database` of a PostgreSQL connection string (URL or libpq keyword/value form),
 * for messages such as "cannot reach the lab database lab@db.example:5432/poshil". Never the password;
 * an input it cannot read comes back masked rather than thrown.
 */
export function describeDatabase(url: string): string {
  const text = url.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) || text.startsWith('/')) {
    try {
      const c = parseConnectionString(text.replace(TLS_PARAMS, '$1').replace(/[?&]$/, ''));
      if (c.host !== 'base') return describe(c.user, c.host ?? undefined, c.port ?? undefined, c.database ?? undefined);
    } catch {
      // A multi-host URL (h1:5432,h2:5433) is valid for libpq but not for WHATWG URL; read it below.
    }
    const m = /^[a-z][a-z0-9+.-]*:\/\/(?:([^:@/?#]*)(?::[^]*)?@)?([^/?#]*)(?:\/([^?#]*))?/i.exec(text.slice(0, text.search(/\s|$/)));
    if (m) return describe(decode(m[1]), decode(m[2]), undefined, decode(m[3]));
    return maskSecret(text);
  }
  const kv = keywordValues(text);
  if (kv.size === 0) return maskSecret(text);
  return describe(kv.get('user'), kv.get('host') ?? kv.get('hostaddr'), kv.get('port'), kv.get('dbname'));
}

function describe(user: string | undefined, host: string | undefined, port: string | undefined, database: string | undefined): string {
  const shownHost = host ? (host.includes(':') && !host.includes('[') && !host.includes(',') ? `[${host}]` : host) : 'localhost';
  const hasPort = /:\d+$/.test(shownHost) || shownHost.includes(',');
  return `${user ? `${user}@` : ''}${shownHost}${hasPort ? '' : `:${port || '5432'}`}${database ? `/${database}` : ''}`;
}

function decode(part: string | undefined): string | undefined {
  if (!part) return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** libpq's `key=value key='quoted value'` form; an empty map if the text is not in it. */
function keywordValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  const pair = /\s*([a-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/giy;
  let end = 0;
  for (let m = pair.exec(text); m; m = pair.exec(text)) {
    values.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
    end = pair.lastIndex;
  }
  return text.slice(end).trim() === '' ? values : new Map();
}
