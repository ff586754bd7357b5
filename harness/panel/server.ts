/**
 * The lab panel's HTTP server (fastify, set up in app.ts): a JSON API under `/api` that scripts use
 * too, and `/api/live`, a websocket of bench and run updates. Every `/api` request needs a panel
 * token (auth.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { startBoss } from '../lab/queues.js';
import { firmwareWithResults, labCompare } from '../lab/results.js';
import type { PanelRole } from '../lab/tokens.js';
import { readArtefact } from '../lab/worker/evidence.js';
import { ExitCode, PoshilError } from '../core/errors.js';
import { answerPrompt, askRelease, submitAgain, submitFiles, type NewSubmission } from './actions.js';
import { ownOrigins, panelApp, sendRunFile } from './app.js';
import { PanelAuth, SESSION_COOKIE, type Caller } from './auth.js';
import { checkCertificate, evidenceArchive } from './evidence.js';
import { history, HISTORY_GROUPS, type Bucket, type HistoryGroup } from './history.js';
import { LiveHub } from './live.js';
import { benchView, recentRuns, runFile, runView, type RunFilter } from './views.js';

export interface PanelOptions {
  pool: pg.Pool;
  /** For the LISTEN connection of live updates. */
  url: string;
  heartbeatMs: number;
  /** Open pages at most; one more is refused (close code 1013) until another leaves. */
  maxClients?: number;
  /** The lab's public key (poshil keygen): certificates are checked against it. */
  trustedKey?: string;
  onError?: (message: string) => void;
}

export interface Panel {
  app: FastifyInstance;
  hub: LiveHub;
}

export async function buildPanel(options: PanelOptions): Promise<Panel> {
  const onError = options.onError ?? (() => {});
  const app = await panelApp(onError);
  const auth = new PanelAuth(options.pool);
  const hub = new LiveHub(options.pool, options.url, { heartbeatMs: options.heartbeatMs, maxClients: options.maxClients ?? 64, onError });
  await hub.start();
  // pg-boss only to queue what an admin submits; the workers do the rest.
  const boss = await startBoss(options.pool, { onError });
  app.addHook('onClose', async () => {
    await hub.close();
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
  });

  async function allow(request: FastifyRequest, reply: FastifyReply, need: PanelRole): Promise<Caller | undefined> {
    const result = await auth.check(request, need, ownOrigins(request));
    if ('status' in result) {
      await reply.code(result.status).send({ error: result.reason });
      return undefined;
    }
    return result;
  }

  app.post<{ Body: { token?: unknown } }>('/api/session', async (request, reply) => {
    const token = request.body?.token;
    if (typeof token !== 'string') return reply.code(400).send({ error: 'send {"token": "pst_…"}' });
    const found = await auth.lookup(token);
    if (!found) return reply.code(401).send({ error: 'this token is unknown or revoked' });
    void reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https' });
    return { role: found.role, tokenId: found.id, csrf: auth.csrfFor(token) };
  });
  app.get('/api/session', async (request, reply) => {
    const caller = await allow(request, reply, 'viewer');
    return caller && { role: caller.role, tokenId: caller.tokenId, csrf: caller.csrf };
  });
  app.delete('/api/session', async (request, reply) => {
    if (!(await allow(request, reply, 'viewer'))) return reply;
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { signedOut: true };
  });

  app.get('/api/bench', async (request, reply) => (await allow(request, reply, 'viewer')) && benchView(options.pool, options.heartbeatMs));

  app.get<{ Querystring: { limit?: string; by?: string; value?: string; from?: string; to?: string } }>('/api/runs', async (request, reply) => {
    if (!(await allow(request, reply, 'viewer'))) return reply;
    const { limit: limitText, by, value, from, to } = request.query;
    const limit = limitText === undefined ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return reply.code(400).send({ error: 'limit must be a whole number from 1 to 500' });
    if (by === undefined) return recentRuns(options.pool, limit);
    const span = { from: new Date(from ?? ''), to: new Date(to ?? '') };
    if (!isGroup(by) || value === undefined || Number.isNaN(span.from.getTime()) || Number.isNaN(span.to.getTime())) {
      return reply.code(400).send({ error: `filter with by=${HISTORY_GROUPS.join('|')}, value, and from and to as ISO times` });
    }
    const filter: RunFilter = { by, value, ...span };
    return recentRuns(options.pool, limit, filter);
  });
  app.get<{ Params: { id: string } }>('/api/runs/:id/evidence.tar.gz', async (request, reply) => {
    if (!(await allow(request, reply, 'viewer'))) return reply;
    try {
      const archive = await evidenceArchive(options.pool, request.params.id);
      return reply.type('application/gzip').header('content-disposition', `attachment; filename="poshil-run-${request.params.id}.tar.gz"`).send(archive);
    } catch (error) {
      // No such run (or one that crashed before its upload): 404; a file damaged in the database: 409.
      if (error instanceof PoshilError) return reply.code(error.exitCode === ExitCode.invalidInput ? 404 : 409).send({ error: error.message });
      throw error;
    }
  });
  app.get<{ Params: { id: string } }>('/api/runs/:id/certificate', async (request, reply) => {
    if (!(await allow(request, reply, 'viewer'))) return reply;
    if (!/^[0-9a-f-]{36}$/i.test(request.params.id)) return reply.code(404).send({ error: `no run ${request.params.id}` });
    const checked = await checkCertificate(options.pool, request.params.id, options.trustedKey);
    return checked ?? reply.code(404).send({ error: 'this run has no certificate: plan jobs of a worker started with --key have one' });
  });
  app.get<{ Querystring: { by?: string; bucket?: string; since?: string; suite?: string } }>('/api/history', async (request, reply) => {
    if (!(await allow(request, reply, 'viewer'))) return reply;
    const { by = 'firmware', bucket = 'day', since = '30d', suite } = request.query;
    const sinceMs = sinceSpan(since);
    if (!isGroup(by)) return reply.code(400).send({ error: `by must be one of ${HISTORY_GROUPS.join(', ')}` });
    if (bucket !== 'hour' && bucket !== 'day') return reply.code(400).send({ error: 'bucket must be hour or day' });
    if (sinceMs === undefined) return reply.code(400).send({ error: 'since must be hours or days, e.g. 12h, 30d (at most 400d)' });
    return history(options.pool, by, bucket as Bucket, sinceMs, suite);
  });
  app.get<{ Querystring: { a?: string; b?: string; since?: string; suite?: string } }>('/api/compare', async (request, reply) => {
    if (!(await allow(request, reply, 'viewer'))) return reply;
    const { a, b, since = '30d', suite } = request.query;
    const sinceMs = sinceSpan(since);
    if (!a || !b || sinceMs === undefined) return reply.code(400).send({ error: 'compare with a=FIRMWARE&b=FIRMWARE (and since=30d)' });
    if (a === b) return reply.code(400).send({ error: `a and b are both ${a}: compare two firmwares` });
    const known = await firmwareWithResults(options.pool, sinceMs);
    const missing = [a, b].filter((f) => !known.includes(f));
    if (missing.length > 0) return reply.code(400).send({ error: `no results for firmware ${missing.join(' or ')} in the last ${since}; firmware with results: ${known.join(', ') || 'none'}` });
    return { a, b, cases: await labCompare(options.pool, a, b, { sinceMs, ...(suite ? { suite } : {}) }) };
  });
  app.get<{ Params: { id: string } }>('/api/runs/:id', async (request, reply) => {
    if (!(await allow(request, reply, 'viewer'))) return reply;
    return (await runView(options.pool, request.params.id)) ?? reply.code(404).send({ error: `no run ${request.params.id}` });
  });
  app.get<{ Params: { id: string; '*': string } }>('/api/runs/:id/files/*', async (request, reply) => {
    if (!(await allow(request, reply, 'viewer'))) return reply;
    const name = request.params['*'];
    const stored = await runFile(options.pool, request.params.id, name);
    const data = stored && (await readArtefact(options.pool, stored.sha256));
    if (!data) return reply.code(404).send({ error: `run ${request.params.id} has no file ${name}` });
    return sendRunFile(reply, name, data);
  });

  app.post<{ Params: { id: string }; Body: { answer?: unknown; note?: unknown } }>('/api/prompts/:id/answer', async (request, reply) => {
    const caller = await allow(request, reply, 'operator');
    if (!caller) return reply;
    const { answer, note } = request.body ?? {};
    if (answer !== 'done' && answer !== 'declined') return reply.code(400).send({ error: 'send {"answer": "done" | "declined", "note": "…"}' });
    if (note !== undefined && (typeof note !== 'string' || note.length > 500)) return reply.code(400).send({ error: 'note must be text of at most 500 characters' });
    const result = await answerPrompt(options.pool, request.params.id, answer, note || undefined, caller.who);
    return result.ok ? { answered: answer } : reply.code(result.status).send({ error: result.reason });
  });
  app.post<{ Params: { id: string } }>('/api/devices/:id/release', async (request, reply) => {
    const caller = await allow(request, reply, 'admin');
    if (!caller) return reply;
    // 202: the worker that drives the device releases it on its host, within a moment.
    const result = await askRelease(options.pool, request.params.id, caller.who);
    return result.ok ? reply.code(202).send({ asked: true }) : reply.code(result.status).send({ error: result.reason });
  });

  app.post<{ Params: { id: string }; Body: { select?: unknown; mode?: unknown; retries?: unknown } }>('/api/submissions/:id/again', async (request, reply) => {
    const caller = await allow(request, reply, 'admin');
    if (!caller) return reply;
    const { select, mode, retries } = request.body ?? {};
    if (select !== undefined && (typeof select !== 'string' || select.length > 500)) return reply.code(400).send({ error: 'select must be a selection such as site=store-1,model=p3' });
    if (mode !== undefined && mode !== 'each' && mode !== 'any') return reply.code(400).send({ error: 'mode must be each or any' });
    if (retries !== undefined && (!Number.isInteger(retries) || (retries as number) < 0 || (retries as number) > 10)) return reply.code(400).send({ error: 'retries must be a whole number from 0 to 10' });
    const result = await submitAgain(options.pool, options.url, boss, request.params.id, { ...(select !== undefined ? { select: select as string } : {}), ...(mode !== undefined ? { mode: mode as 'each' | 'any' } : {}), ...(retries !== undefined ? { retries: retries as number } : {}) });
    return result.ok ? reply.code(201).send({ submission: result.submitted.id, jobs: result.submitted.jobs }) : reply.code(result.status).send({ error: result.reason });
  });

  // Suites with their schemas and fixtures: larger than the API's other bodies.
  app.post<{ Body: Partial<Record<keyof NewSubmission, unknown>> }>('/api/jobs', { bodyLimit: 4 * 1024 * 1024 }, async (request, reply) => {
    const caller = await allow(request, reply, 'admin');
    if (!caller) return reply;
    const wanted = newSubmission(request.body ?? {});
    if (typeof wanted === 'string') return reply.code(400).send({ error: wanted });
    const result = await submitFiles(options.pool, options.url, boss, wanted);
    return result.ok ? reply.code(201).send({ submission: result.submitted.id, jobs: result.submitted.jobs }) : reply.code(result.status).send({ error: result.reason });
  });

  app.get('/api/live', { websocket: true, preValidation: async (request, reply) => void (await allow(request, reply, 'viewer')) }, (socket) => hub.add(socket));

  return { app, hub };
}

function isGroup(text: string): text is HistoryGroup {
  return (HISTORY_GROUPS as readonly string[]).includes(text);
}

/** `12h`, `30d`: how far back a chart or comparison reaches. */
function sinceSpan(text: string): number | undefined {
  const found = /^(\d{1,4})(h|d)$/.exec(text);
  const ms = found ? Number(found[1]) * (found[2] === 'h' ? 3_600_000 : 86_400_000) : undefined;
  return ms !== undefined && ms > 0 && ms <= 400 * 86_400_000 ? ms : undefined;
}

/** The body of POST /api/jobs checked for shape, or what is wrong with it. */
function newSubmission(body: Partial<Record<keyof NewSubmission, unknown>>): NewSubmission | string {
  const { files, suites, plan, select, mode, retries } = body;
  if (!Array.isArray(files) || files.length === 0 || files.length > 1000 || !files.every((f) => typeof f?.path === 'string' && typeof f?.text === 'string')) return 'files is missing or malformed: [{"path": "smoke.suite.yaml", "text": "…"}, …] with every file the suites read (schemas, fixtures)';
  if (plan !== undefined && suites !== undefined) return 'send suites or plan, not both';
  if (plan !== undefined && typeof plan !== 'string') return 'plan must be the path of the plan among the files';
  if (plan === undefined && (!Array.isArray(suites) || suites.length === 0 || !suites.every((s) => typeof s === 'string'))) return 'suites is missing: the paths of the suites among the files (or send plan)';
  if (typeof select !== 'string' || select.length > 500) return 'select is missing: key=value,… of the devices (an empty string for any device)';
  if (mode !== 'each' && mode !== 'any') return 'mode is missing: each (a job per matching device) or any (one job, the first free match)';
  if (retries !== undefined && (!Number.isInteger(retries) || (retries as number) < 0 || (retries as number) > 10)) return 'retries must be a whole number from 0 to 10';
  return { files: files as NewSubmission['files'], ...(plan !== undefined ? { plan: plan as string } : { suites: suites as string[] }), select, mode, ...(retries !== undefined ? { retries: retries as number } : {}) };
}
