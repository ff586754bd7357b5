/**
 * What every panel serves the same way, the lab's and a local run's: the page and its assets
 * (uPlot from the installed package: a lab network often has no internet), security headers, a
 * 4xx with its reason as JSON for a bad request and never a stack, and a run's files with the
 * right type (a report sandboxed).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { packageRoot } from '../core/paths.js';

const ASSETS = join(packageRoot(), 'harness', 'panel', 'assets');
/** uPlot, served from the installed package: a lab network often has no internet. */
const UPLOT = dirname(createRequire(import.meta.url).resolve('uplot'));
const UPLOT_FILES = new Set(['/uPlot.iife.min.js', '/uPlot.min.css']);
/** Bytes a request body or a websocket message may have: the API takes small JSON only. */
const MAX_BODY = 16 * 1024;
const MAX_MESSAGE = 4 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.ndjson': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.pem': 'text/plain; charset=utf-8',
};

export async function panelApp(onError: (message: string) => void): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY,
    // A URL fastify cannot even route (bad percent-encoding): the same {"error"} as every bad request.
    frameworkErrors: (error, _request, reply) => void (reply as unknown as FastifyReply).code(400).send({ error: `bad request: ${error.message}` }),
  });
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_MESSAGE } });
  await app.register(fastifyStatic, { root: ASSETS, prefix: '/assets/', index: false });
  await app.register(fastifyStatic, { root: UPLOT, prefix: '/assets/vendor/uplot/', index: false, decorateReply: false, allowedPath: (path) => UPLOT_FILES.has(path) });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }
    return payload;
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) onError(`panel: ${error.message}`);
    const message = status === 413 ? 'the body is larger than this request takes (16 KiB; 4 MiB for POST /api/jobs)' : error.message;
    void reply.code(status).send({ error: status === 500 ? 'internal error (the panel printed it where it runs)' : message });
  });
  // A path that exists but takes another method is 405 with the methods it takes, not "no such page".
  const routes: { method: string; path: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, path: routePattern(route.url) });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = [...new Set(routes.filter((r) => r.path.test(path)).map((r) => r.method))];
    // A route of this very method that found nothing (and called callNotFound) is a 404 like any other.
    if (allowed.length > 0 && !allowed.includes(request.method)) return void reply.code(405).header('allow', allowed.join(', ')).send({ error: `${path} takes ${allowed.join(', ')}, not ${request.method}` });
    void reply.code(404).send({ error: `no such page: ${request.method} ${path}` });
  });
  app.get('/', (_request, reply) => reply.sendFile('index.html'));
  return app;
}

/** A route's URL (`/api/runs/:id/files/*`) as a pattern of the paths it takes. */
function routePattern(url: string): RegExp {
  const parts = url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('/')}$`);
}

/** The origins a request from this panel's own page names (any other is refused). */
export function ownOrigins(request: FastifyRequest): string[] {
  return [`http://${request.headers.host ?? ''}`, `https://${request.headers.host ?? ''}`];
}

export function sendRunFile(reply: FastifyReply, name: string, data: Buffer): FastifyReply {
  const extension = /\.[a-z]+$/.exec(name)?.[0] ?? '';
  // A report opens as a page of its own origin: its scripts run, but cannot reach the panel's cookie or API.
  if (extension === '.html') void reply.header('content-security-policy', "sandbox allow-scripts allow-popups; default-src 'self' 'unsafe-inline' data:");
  return reply.type(CONTENT_TYPES[extension] ?? 'application/octet-stream').send(data);
}
