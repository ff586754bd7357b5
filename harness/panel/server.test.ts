/**
 * The panel's API against a real lab database, through fastify's inject: who may do what, CSRF,
 * bad and oversized requests, and the live websocket's limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { makeBundle } from '../lab/bundle.js';
import { openLabDatabase, type LabDatabase } from '../lab/db/connect.js';
import { startBoss } from '../lab/queues.js';
import { submit } from '../lab/submit.js';
import { createToken, revokeToken } from '../lab/tokens.js';
import { startTestLab, type TestLab } from '../lab/test-support/lab-db.js';
import { buildPanel, type Panel } from './server.js';

let lab: TestLab;
let db: LabDatabase;
let panel: Panel;
const tokens: Record<'viewer' | 'operator' | 'admin' | 'revoked', string> = { viewer: '', operator: '', admin: '', revoked: '' };

beforeAll(async () => {
  lab = await startTestLab();
  db = await openLabDatabase(lab.url, 'poshil-test');
  for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = (await createToken(db.pool, role, `${role} of the test`)).token;
  const revoked = await createToken(db.pool, 'admin');
  await revokeToken(db.pool, revoked.id);
  tokens.revoked = revoked.token;
  await db.pool.query("INSERT INTO lab.workers (id, name, host, pid, bench) VALUES ('00000000-0000-4000-8000-000000000001', 'w1', 'bench-host', 1, 'b')");
  await db.pool.query(
    `INSERT INTO lab.devices (id, bench, name, worker_id, labels, address, health, health_reason) VALUES
       ('b/good', 'b', 'good', '00000000-0000-4000-8000-000000000001', '{"model":"p3","site":"<img src=x onerror=alert(1)>"}', 'tcp://127.0.0.1:1', 'good', ''),
       ('b/sick', 'b', 'sick', '00000000-0000-4000-8000-000000000001', '{}', 'tcp://127.0.0.1:2', 'quarantined', 'failed health 3 times')`,
  );
  panel = await buildPanel({ pool: db.pool, url: lab.url, heartbeatMs: 10_000, maxClients: 2 });
});
afterAll(async () => {
  await panel?.app.close();
  await db?.pool.end();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function signIn(token: string): Promise<{ cookie: string; csrf: string }> {
  const response = await panel.app.inject({ method: 'POST', url: '/api/session', payload: { token } });
  expect(response.statusCode).toBe(200);
  const set = String(response.headers['set-cookie']);
  expect(set).toMatch(/HttpOnly/);
  expect(set).toMatch(/SameSite=Strict/);
  return { cookie: set.split(';')[0]!, csrf: response.json<{ csrf: string }>().csrf };
}

describe('panel tokens', () => {
  it('are revoked once; revoking again says when, and an unknown id is no token', async () => {
    const { id } = await createToken(db.pool, 'viewer');
    const first = await revokeToken(db.pool, id);
    expect(first).toEqual({ already: false, at: expect.any(Date) });
    expect(await revokeToken(db.pool, id)).toEqual({ already: true, at: first!.at });
    expect(await revokeToken(db.pool, 'nosuch')).toBeUndefined();
  });
});

describe('panel API', () => {
  it('needs a valid token for everything under /api, and says how to get one', async () => {
    const none = await panel.app.inject({ url: '/api/bench' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: expect.stringContaining('poshil lab token create') });
    for (const token of ['pst_not-a-token', tokens.revoked, 'x'.repeat(5000)]) {
      expect((await panel.app.inject({ url: '/api/bench', headers: bearer(token) })).statusCode).toBe(401);
    }
    const bench = await panel.app.inject({ url: '/api/bench', headers: bearer(tokens.viewer) });
    expect(bench.statusCode).toBe(200);
    // Device strings travel as data; the page puts them in as text (see the browser test).
    expect(bench.json<{ devices: { labels: Record<string, string> }[] }>().devices[0]!.labels['site']).toBe('<img src=x onerror=alert(1)>');
    expect(bench.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });

  it('signs in with an HttpOnly SameSite cookie; a change signed in by cookie needs the CSRF header', async () => {
    const { cookie, csrf } = await signIn(tokens.operator);
    expect((await panel.app.inject({ url: '/api/session', headers: { cookie } })).json()).toMatchObject({ role: 'operator', csrf });
    const url = '/api/prompts/00000000-0000-4000-8000-00000000abcd/answer';
    const payload = { answer: 'done' };
    expect((await panel.app.inject({ method: 'POST', url, headers: { cookie }, payload })).statusCode).toBe(403);
    expect((await panel.app.inject({ method: 'POST', url, headers: { cookie, 'x-poshil-csrf': 'forged' }, payload })).statusCode).toBe(403);
    // With the right value the request is judged on its merits: no such prompt.
    const right = await panel.app.inject({ method: 'POST', url, headers: { cookie, 'x-poshil-csrf': csrf }, payload });
    expect(right.statusCode).toBe(404);
    // A bearer token is not sent by browsers on their own: no CSRF header needed.
    expect((await panel.app.inject({ method: 'POST', url, headers: bearer(tokens.operator), payload })).statusCode).toBe(404);
    // Another site's page is refused whatever it carries.
    expect((await panel.app.inject({ method: 'POST', url, headers: { cookie, 'x-poshil-csrf': csrf, origin: 'http://evil.example' }, payload })).statusCode).toBe(403);
    const out = await panel.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-poshil-csrf': csrf } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/poshil_panel=;/);
  });

  it('gives each role its own rights: viewers look, operators answer, admins release', async () => {
    const answer = (token: string) => panel.app.inject({ method: 'POST', url: '/api/prompts/00000000-0000-4000-8000-00000000abcd/answer', headers: bearer(token), payload: { answer: 'done' } });
    const release = (token: string, device: string) => panel.app.inject({ method: 'POST', url: `/api/devices/${encodeURIComponent(device)}/release`, headers: bearer(token) });
    expect((await answer(tokens.viewer)).json()).toEqual({ error: 'this needs the operator role; the token is viewer' });
    expect((await release(tokens.operator, 'b/sick')).statusCode).toBe(403);
    expect((await release(tokens.admin, 'b/good')).json()).toEqual({ error: 'device b/good is good, not quarantined' });
    expect((await release(tokens.admin, 'b/none')).statusCode).toBe(404);
    const asked = await release(tokens.admin, 'b/sick');
    expect(asked.statusCode).toBe(202);
    const { rows } = await db.pool.query('SELECT release_requested_by AS by FROM lab.devices WHERE id = $1', ['b/sick']);
    expect(rows[0].by).toBe(`admin of the test (token ${createHash('sha256').update(tokens.admin).digest('hex').slice(0, 8)})`);
  });

  it('answers a method a path does not take with 405 and the methods it does', async () => {
    const response = await panel.app.inject({ method: 'DELETE', url: '/api/bench?x=1', headers: bearer(tokens.admin) });
    expect(response.statusCode).toBe(405);
    expect(response.headers['allow']).toBe('GET, HEAD');
    expect(response.json()).toEqual({ error: '/api/bench takes GET, HEAD, not DELETE' });
    // A route that takes the method but finds nothing stays a 404.
    expect((await panel.app.inject({ url: '/assets/no-such-file.js' })).statusCode).toBe(404);
  });

  it('answers bad requests with a 4xx and a reason, never a stack', async () => {
    const post = (url: string, payload: string, extra: Record<string, string> = {}) => panel.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...bearer(tokens.admin), ...extra }, payload });
    const cases: [Promise<{ statusCode: number; body: string }>, number][] = [
      [post('/api/session', '{"token":'), 400],
      [post('/api/session', '{"token": 42}'), 400],
      [post('/api/session', JSON.stringify({ token: 'a'.repeat(20_000) })), 413],
      [post('/api/jobs', JSON.stringify({ files: [{ path: 'a.suite.yaml', text: '' }], suites: ['a.suite.yaml'], select: '' })), 400],
      [post('/api/jobs', JSON.stringify({ files: [{ path: 'a.suite.yaml', text: '' }], suites: ['a.suite.yaml'], plan: 'p.plan.yaml', select: '', mode: 'any' })), 400],
      [post('/api/prompts/00000000-0000-4000-8000-00000000abcd/answer', '{"answer":"maybe"}'), 400],
      [post('/api/prompts/00000000-0000-4000-8000-00000000abcd/answer', JSON.stringify({ answer: 'done', note: 'n'.repeat(501) })), 400],
      [post('/api/prompts/not-an-id/answer', '{"answer":"done"}'), 404],
      [panel.app.inject({ url: '/api/runs?limit=0', headers: bearer(tokens.viewer) }), 400],
      [panel.app.inject({ url: '/api/runs/1; DROP TABLE lab.runs', headers: bearer(tokens.viewer) }), 404],
      [panel.app.inject({ url: '/api/runs/00000000-0000-4000-8000-000000000000/files/record.json', headers: bearer(tokens.viewer) }), 404],
      [panel.app.inject({ url: '/api/nothing/here', headers: bearer(tokens.viewer) }), 404],
      [panel.app.inject({ method: 'DELETE', url: '/api/bench', headers: bearer(tokens.admin) }), 405],
      [panel.app.inject({ method: 'PUT', url: '/api/runs/00000000-0000-4000-8000-000000000000/files/record.json', headers: bearer(tokens.admin) }), 405],
      [panel.app.inject({ url: '/api/runs/%E0%A4%A/files/x', headers: bearer(tokens.viewer) }), 400],
      [panel.app.inject({ url: '/api/compare?a=1.0&b=1.0', headers: bearer(tokens.viewer) }), 400],
      [panel.app.inject({ url: '/api/compare?a=1.0&b=2.0', headers: bearer(tokens.viewer) }), 400],
    ];
    for (const [pending, status] of cases) {
      const response = await pending;
      expect(response.statusCode, response.body).toBe(status);
      expect(JSON.parse(response.body)).toEqual({ error: expect.any(String) });
      expect(response.body).not.toMatch(/\bat .*\.js:\d+/);
    }
  });

  it('streams the bench to a signed-in page, refuses one too many and closes on an oversized message', async () => {
    await expect(panel.app.injectWS('/api/live')).rejects.toThrow(/401/);
    const pages = await Promise.all([0, 1].map(() => panel.app.injectWS('/api/live', { headers: bearer(tokens.viewer) })));
    const first = await new Promise<{ type: string; data: { devices: unknown[] } }>((resolve) => pages[0]!.once('message', (data) => resolve(JSON.parse(String(data)))));
    expect(first.type).toBe('bench');
    expect(first.data.devices).toHaveLength(2);
    const third = await panel.app.injectWS('/api/live', { headers: bearer(tokens.viewer) });
    expect(await new Promise((resolve) => third.once('close', (code) => resolve(code)))).toBe(1013);
    const closed = new Promise((resolve) => pages[1]!.once('close', (code) => resolve(code)));
    pages[1]!.send('x'.repeat(8 * 1024));
    expect(await closed).toBe(1009);
    pages[0]!.terminate();
  });

  it('queues an earlier submission again for an admin, on the same devices or others', async () => {
    const boss = await startBoss(db.pool);
    try {
      const first = await submit(db, boss, { bundle: makeBundle({ suites: [join(packageRoot(), 'suites', 'smoke.suite.yaml')] }), selection: 'model=p3', mode: 'any', retries: 0 });
      const again = (token: string, payload: object, id = first.id) => panel.app.inject({ method: 'POST', url: `/api/submissions/${id}/again`, headers: bearer(token), payload });
      expect((await again(tokens.operator, {})).statusCode).toBe(403);
      const queued = await again(tokens.admin, {});
      expect(queued.statusCode, queued.body).toBe(201);
      const { submission } = queued.json<{ submission: string }>();
      const { rows } = await db.pool.query('SELECT s.selection, s.suites, s.bundle_sha256 = f.bundle_sha256 AS same_files FROM lab.submissions s, lab.submissions f WHERE s.id = $1 AND f.id = $2', [submission, first.id]);
      expect(rows[0]).toMatchObject({ selection: 'model=p3', same_files: true });
      const nowhere = await again(tokens.admin, { select: 'model=zz' });
      expect(nowhere.statusCode).toBe(400);
      expect(nowhere.json()).toEqual({ error: expect.stringMatching(/no registered device matches --select model=zz .*model=p3/) });
      expect((await again(tokens.admin, { mode: 'all' })).statusCode).toBe(400);
      expect((await again(tokens.admin, {}, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });

  it('queues files an admin sends, checked as lab submit checks them', async () => {
    const suites = join(packageRoot(), 'suites');
    const files = [
      { path: 'smoke.suite.yaml', text: readFileSync(join(suites, 'smoke.suite.yaml'), 'utf8') },
      { path: 'schemas/identity.json', text: readFileSync(join(suites, 'schemas', 'identity.json'), 'utf8') },
    ];
    const post = (token: string, payload: object) => panel.app.inject({ method: 'POST', url: '/api/jobs', headers: bearer(token), payload });
    expect((await post(tokens.operator, { files, suites: ['smoke.suite.yaml'], select: 'model=p3', mode: 'any' })).statusCode).toBe(403);
    const queued = await post(tokens.admin, { files, suites: ['smoke.suite.yaml'], select: 'model=p3', mode: 'each' });
    expect(queued.statusCode, queued.body).toBe(201);
    const { submission, jobs } = queued.json<{ submission: string; jobs: { device: string }[] }>();
    expect(jobs.map((j) => j.device)).toEqual(['b/good']);
    const { rows } = await db.pool.query<{ paths: string[] }>("SELECT ARRAY(SELECT f->>'path' FROM jsonb_array_elements(b.files) f ORDER BY 1) AS paths FROM lab.submissions s JOIN lab.bundles b ON b.sha256 = s.bundle_sha256 WHERE s.id = $1", [submission]);
    expect(rows[0]!.paths).toEqual(['schemas/identity.json', 'smoke.suite.yaml']);

    const broken = await post(tokens.admin, { files: [{ path: 'smoke.suite.yaml', text: 'suite: smoke\ncases:\n  - id: x\n    steps:\n      - do: identify\n        within: soon\n' }], suites: ['smoke.suite.yaml'], select: 'model=p3', mode: 'any' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json<{ error: string }>().error).toMatch(/smoke\.suite\.yaml.*\/cases\/0\/steps\/0/);
    expect(broken.body).not.toContain(tmpdir());
    const outside = await post(tokens.admin, { files: [{ path: '../../etc/evil.suite.yaml', text: 'suite: x' }], suites: ['../../etc/evil.suite.yaml'], select: 'model=p3', mode: 'any' });
    expect(outside.statusCode).toBe(400);
    expect(outside.json<{ error: string }>().error).toContain('outside its bundle');
    expect((await post(tokens.admin, { files, select: 'model=p3', mode: 'any' })).statusCode).toBe(400);
  });

  it('says why a device is offline: its worker stopped, and when', async () => {
    await db.pool.query("UPDATE lab.workers SET stopped_at = '2026-11-26T06:00:00Z' WHERE name = 'w1'");
    const bench = (await panel.app.inject({ url: '/api/bench', headers: bearer(tokens.viewer) })).json<{ devices: { id: string; state: string; reason: string }[] }>();
    expect(bench.devices.find((d) => d.id === 'b/good')).toMatchObject({ state: 'offline', reason: 'its worker w1 stopped at 2026-11-26T06:00:00.000Z' });
  });
});
