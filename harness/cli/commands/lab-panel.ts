/**
 * `poshil lab panel` (the browser panel, docs/panel.md) and `poshil lab token create|list|revoke`
 * (who may use it). fastify loads only when the panel starts.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, InputError } from '../../core/errors.js';
import { connect, DATABASE_HELP, DIR_HELP, type DatabaseOptions } from './lab-options.js';
import { wholeNumber } from './option-values.js';

export interface PanelOptions extends DatabaseOptions {
  port: string;
  host: string;
  maxClients: string;
  key?: string;
}

/** Serves the panel until Ctrl-C (`lab panel`, and `lab up --panel` once the database runs). */
export async function servePanel(options: PanelOptions): Promise<void> {
  const port = wholeNumber('--port', options.port, 8080, 65535);
  const maxClients = wholeNumber('--max-clients', options.maxClients, 64, 10_000, 1);
  const { buildPanel } = await import('../../panel/server.js');
  const { DEFAULT_TIMINGS } = await import('../../lab/worker/timings.js');
  if (options.key !== undefined && !existsSync(options.key)) throw new InputError('E_OPTION', `--key ${options.key}: no such file`, { hint: 'the lab\'s public key, e.g. keys/lab.pub from poshil keygen' });
  const db = await connect(options, 'poshil-panel');
  const say = (text: string) => process.stderr.write(`${text}\n`);
  const { app } = await buildPanel({ pool: db.pool, url: db.url, heartbeatMs: DEFAULT_TIMINGS.heartbeatMs, maxClients, onError: say, ...(options.key ? { trustedKey: resolve(options.key) } : {}) });
  try {
    await app.listen({ port, host: options.host });
  } catch (error) {
    await app.close();
    await db.pool.end();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new InputError('E_PORT', `cannot listen on ${options.host}:${port} (${code})`, { hint: 'choose another --port, or 0 for a free one' });
    throw error;
  }
  const address = app.server.address();
  const shownPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  process.stdout.write(`lab panel on http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${shownPort}/ (database ${db.shown})\n  sign in with a token from: poshil lab token create --role viewer\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await app.close();
  await db.pool.end();
  process.exitCode = ExitCode.interrupted;
}

export function registerLabPanel(lab: Command): void {
  lab
    .command('panel')
    .description('Serve the lab panel: live benches and runs in a browser, and a JSON API under /api (docs/panel.md).')
    .option('--port <n>', 'TCP port (0: a free one)', '8080')
    .option('--host <address>', 'address to listen on; 0.0.0.0 for the whole lab network', '127.0.0.1')
    .option('--max-clients <n>', 'open pages at most', '64')
    .option('--key <file>', "the lab's public key (poshil keygen): certificates shown are checked against it, not only against the key they carry")
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .addHelpText('after', `
Sign in with a token: poshil lab token create --role viewer|operator|admin

Examples:
  $ poshil lab panel                                   http://127.0.0.1:8080/
  $ poshil lab panel --host 0.0.0.0 --port 8443        for every browser in the lab`)
    .action(async (options: PanelOptions) => servePanel(options));

  const token = lab.command('token').description('Tokens of the lab panel: viewer (looks), operator (answers prompts), admin (submits, releases).');
  token
    .command('create')
    .description('Make a token and print it once; the lab keeps only its hash.')
    .requiredOption('--role <role>', 'viewer, operator or admin')
    .option('--name <text>', 'who or what it is for, shown in token list', '')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .action(async (options: DatabaseOptions & { role: string; name: string }) => {
      const { createToken, parseRole } = await import('../../lab/tokens.js');
      const role = parseRole(options.role);
      const db = await connect(options, 'poshil-admin');
      try {
        const made = await createToken(db.pool, role, options.name);
        process.stdout.write(`${made.token}\n`);
        const where = options.database ? ' --database URL' : options.dir ? ` --dir ${options.dir}` : '';
        process.stderr.write(`token ${made.id} (${role}) made; it is shown only now. Revoke it with: poshil lab token revoke ${made.id}${where}\n`);
      } finally {
        await db.pool.end();
      }
    });
  token
    .command('list')
    .description('The tokens: id, role, name, when made, revoked or not (never the tokens themselves).')
    .option('--json', 'print JSON')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .action(async (options: DatabaseOptions) => {
      const { listTokens } = await import('../../lab/tokens.js');
      const db = await connect(options, 'poshil-admin');
      try {
        const tokens = await listTokens(db.pool);
        if (options.json) process.stdout.write(JSON.stringify(tokens, null, 2) + '\n');
        else if (tokens.length === 0) process.stdout.write('no panel tokens (poshil lab token create --role viewer)\n');
        else for (const t of tokens) process.stdout.write(`${t.id}  ${t.role.padEnd(8)} ${t.createdAt}  ${t.revokedAt ? `revoked ${t.revokedAt}` : 'active'}  ${t.name}\n`);
      } finally {
        await db.pool.end();
      }
    });
  token
    .command('revoke')
    .description('Revoke a token: the panel refuses it within seconds.')
    .argument('<id>', 'the id token list shows')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .action(async (id: string, options: DatabaseOptions) => {
      const { revokeToken } = await import('../../lab/tokens.js');
      const db = await connect(options, 'poshil-admin');
      try {
        const revoked = await revokeToken(db.pool, id);
        if (!revoked) throw new InputError('E_NO_TOKEN', `no token ${id}`, { hint: 'poshil lab token list shows them' });
        process.stdout.write(revoked.already ? `token ${id} was revoked already, at ${revoked.at.toISOString()}\n` : `token ${id} revoked\n`);
      } finally {
        await db.pool.end();
      }
    });
}
