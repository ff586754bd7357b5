import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeDatabase, maskSecret } from './secrets.js';

// Characters that can end a URL written inside a text; a password written raw into a URL has none.
const URL_SAFE_RAW = fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom(...'abcXYZ019!$%&()*+,;=:@/?#[]~._-'.split('')) });
const ANY_PASSWORD = fc.string({ minLength: 1, maxLength: 40, unit: 'binary' });

describe('maskSecret', () => {
  it('masks the password of database URLs and keeps everything else', () => {
    expect(maskSecret('postgres://lab:s3cret@db.example:5432/poshil')).toBe('postgres://lab:***@db.example:5432/poshil');
    expect(maskSecret('connect ECONNREFUSED postgresql://lab:p%40ss@10.0.0.5/poshil?sslmode=require, retrying')).toBe(
      'connect ECONNREFUSED postgresql://lab:***@10.0.0.5/poshil?sslmode=require, retrying',
    );
    expect(maskSecret('postgres://lab:pa@ss/word@h1:5432,h2:5433/db')).toBe('postgres://lab:***@h1:5432,h2:5433/db');
    expect(maskSecret('postgres://lab@db/poshil?password=hunter2&sslpassword=keypw&application_name=poshil')).toBe(
      'postgres://lab@db/poshil?password=***&sslpassword=***&application_name=poshil',
    );
    expect(maskSecret('"postgres://a:b@h/d" and https://user:tok@git.example/x')).toBe('"postgres://a:***@h/d" and https://user:***@git.example/x');
  });

  it('leaves URLs without credentials alone, ports included', () => {
    for (const text of ['postgres://db.example:5432/poshil', 'https://example.org:8443/hook?x=1', 'see https://host:8080/a and postgres://u@h/d', 'no url here: a=b'])
      expect(maskSecret(text)).toBe(text);
  });

  it('masks libpq keyword/value passwords, quoted or not', () => {
    expect(maskSecret("host=db user=lab password=hunter2 dbname=poshil")).toBe('host=db user=lab password=*** dbname=poshil');
    expect(maskSecret("host=db password = 'it\\'s a secret' dbname=poshil")).toBe("host=db password = '***' dbname=poshil");
    expect(maskSecret('sslpassword=keypw sslmode=verify-full')).toBe('sslpassword=*** sslmode=verify-full');
    expect(maskSecret('PGPASSWORD="x y" poshil lab status')).toBe('PGPASSWORD="***" poshil lab status');
    expect(maskSecret("DB_PASSWORD='a b' db.passwd=c --db-password=d")).toBe("DB_PASSWORD='***' db.passwd=*** --db-password=***");
    expect(maskSecret('https://h/x?db_password=a&api_token=b&client_secret=c&page=2')).toBe('https://h/x?db_password=***&api_token=***&client_secret=***&page=2');
    expect(maskSecret('{"dbPassword":"a","apiToken":"b","user":"lab"}')).toBe('{"dbPassword":"***","apiToken":"***","user":"lab"}');
    expect(maskSecret('password authentication failed for user "lab"')).toBe('password authentication failed for user "lab"');
    expect(maskSecret('{"user":"lab","password":"hunter2"}')).toBe('{"user":"lab","password":"***"}');
    expect(maskSecret('Authorization: Bearer abc.def-ghi')).toBe('Authorization: Bearer ***');
  });

  it('masks the secrets of chat robot webhooks', () => {
    expect(maskSecret('https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1700000000000&sign=q%2Bw%3D')).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1700000000000&sign=***',
    );
    expect(maskSecret('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx')).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***');
    expect(maskSecret('POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX failed')).toBe(
      'POST https://hooks.slack.com/services/T00000000/*** failed',
    );
    expect(maskSecret('https://discord.com/api/webhooks/123/tokentoken')).toBe('https://discord.com/api/webhooks/123/***');
    expect(maskSecret('https://open.feishu.cn/open-apis/bot/v2/hook/uuid-uuid')).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/***');
    expect(maskSecret('https://hooks.example/x?Signature=abc&sig=def&token=ghi&secret=jkl&key=mno&page=2')).toBe(
      'https://hooks.example/x?Signature=***&sig=***&token=***&secret=***&key=***&page=2',
    );
  });

  it('never lets a generated password through a database URL, raw or percent-encoded', () => {
    fc.assert(
      fc.property(URL_SAFE_RAW, (pw) => maskSecret(`postgres://lab:${pw}@db.example:5432/poshil`) === 'postgres://lab:***@db.example:5432/poshil'),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(ANY_PASSWORD, fc.constantFrom('postgres', 'postgresql'), (pw, scheme) => {
        const masked = maskSecret(`error: ${scheme}://lab:${encodeURIComponent(pw)}@db/poshil?sslmode=require`);
        return masked === `error: ${scheme}://lab:***@db/poshil?sslmode=require`;
      }),
      { numRuns: 2000 },
    );
  });

  it('never lets a generated password through a query parameter or a libpq string', () => {
    // encodeURIComponent leaves a single quote as it is: found by this property with a random seed.
    expect(maskSecret(`https://h.example/p?password=${encodeURIComponent("'\0")}&b=2`)).toBe('https://h.example/p?password=***&b=2');
    expect(maskSecret("https://h.example/p?token=ab'cd&b=2")).toBe('https://h.example/p?token=***&b=2');
    fc.assert(
      fc.property(ANY_PASSWORD, fc.constantFrom('password', 'sslpassword', 'access_token', 'token', 'sign', 'key', 'secret', 'signature', 'sig'), (pw, name) => {
        const masked = maskSecret(`https://h.example/p?a=1&${name}=${encodeURIComponent(pw)}&b=2`);
        return masked === `https://h.example/p?a=1&${name}=***&b=2`;
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(ANY_PASSWORD, (pw) => {
        const quoted = `'${pw.replace(/[\\']/g, (c) => `\\${c}`)}'`;
        return maskSecret(`host=db password=${quoted} dbname=poshil`) === "host=db password='***' dbname=poshil";
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      // Unquoted, as libpq reads it: up to the next space. A value that starts with a quote is read
      // as a quoted one (libpq's single, or a shell's double quote) and masked to its closing quote.
      fc.property(fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom(...'abc019!$%&()*+,;=:@/?#\'"~._-'.split('')) }).filter((pw) => !pw.startsWith("'") && !pw.startsWith('"')), (pw) => {
        return maskSecret(`host=db password=${pw} dbname=poshil`) === 'host=db password=*** dbname=poshil';
      }),
      { numRuns: 2000 },
    );
  });

  it('never lets a generated Slack secret path through', () => {
    const segment = fc.string({ minLength: 1, maxLength: 30, unit: fc.constantFrom(...'ABCXYZabc0129_-'.split('')) });
    fc.assert(
      fc.property(segment, segment, (bot, secret) => {
        return maskSecret(`https://hooks.slack.com/services/T0123/${bot}/${secret}`) === 'https://hooks.slack.com/services/T0123/***';
      }),
    );
  });

  it('gives the same text when masked twice', () => {
    const piece = fc.constantFrom('postgres://u:p@h/d', '?token=x', ' password=y ', "password='a b'", 'https://hooks.slack.com/services/T/B/C', 'text', ' ', '@', ':', '/');
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const once = maskSecret(pieces.join(''));
      return maskSecret(once) === once;
    }));
  });
});

describe('describeDatabase', () => {
  it('names user, host, port and database, never the password', () => {
    expect(describeDatabase('postgres://lab:s3cret@db.example:6543/poshil?sslmode=require')).toBe('lab@db.example:6543/poshil');
    expect(describeDatabase('postgresql://lab:s3cret@db.example/poshil')).toBe('lab@db.example:5432/poshil');
    expect(describeDatabase('postgres://[::1]:5433/poshil')).toBe('[::1]:5433/poshil');
    expect(describeDatabase('postgres:///poshil?host=/var/run/postgresql')).toBe('/var/run/postgresql:5432/poshil');
    expect(describeDatabase('postgres://lab:pw@h1:5432,h2:5433/poshil')).toBe('lab@h1:5432,h2:5433/poshil');
    expect(describeDatabase("host=db.example port=5433 user=lab password='x y' dbname=poshil")).toBe('lab@db.example:5433/poshil');
    expect(describeDatabase('postgres://lab:p%40ss@localhost')).toBe('lab@localhost:5432');
  });

  it('masks what it cannot read instead of throwing', () => {
    expect(describeDatabase('not a url password=x')).not.toContain('=x');
  });

  it('never shows a generated password', () => {
    fc.assert(
      fc.property(ANY_PASSWORD, (pw) => describeDatabase(`postgres://lab:${encodeURIComponent(pw)}@db.example:5432/poshil`) === 'lab@db.example:5432/poshil'),
      { numRuns: 1000 },
    );
  });
});
