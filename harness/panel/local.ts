/**
 * `poshil run --panel`: the panel's live view of one local run, read-only, without a database.
 * A reporter feeds it; it serves the same page and the same JSON shapes as the lab's panel (one
 * device, one run), so the page needs no second mode beyond hiding what a local run lacks. It
 * listens on 127.0.0.1 only and refuses requests from other sites' pages; it closes when the run
 * ends (the HTML report is there for after).
 */
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { WebSocket } from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CaseRecord, RunHeader, RunRecord } from '../core/record.js';
import type { PrintedReceipt } from '../evidence/receipts.js';
import { caseRow } from '../lab/worker/case-row.js';
import type { Reporter } from '../reporters/reporter.js';
import { ownOrigins, panelApp, sendRunFile } from './app.js';
import type { BenchView, CaseView, ReceiptView, RunSummaryView, RunView } from './views.js';

const LOCAL_ID = '00000000-0000-4000-8000-000000000000';
/** Host headers a page on this machine sends: the loopback address or name, with the port. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

export class LocalRunPanel {
  private header: RunHeader | undefined;
  private runDir: string | undefined;
  private readonly cases: CaseView[] = [];
  private currentCase: string | null = null;
  private ended: RunRecord | undefined;
  private readonly clients = new Set<WebSocket>();
  private readonly receipts: ReceiptView[] = [];

  private constructor(readonly app: FastifyInstance) {}

  static async start(port: number, onError: (message: string) => void): Promise<LocalRunPanel> {
    const panel = new LocalRunPanel(await panelApp(onError));
    panel.routes();
    await panel.app.listen({ port, host: '127.0.0.1' });
    return panel;
  }

  get url(): string {
    const address = this.app.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  }

  /** For RunRequest.onReceipt: the latest receipts, shown as they print. */
  receipt(receipt: PrintedReceipt): void {
    this.receipts.unshift({ n: receipt.n, copy: receipt.copy, txnId: receipt.txnId ?? null, caseId: this.currentCase, text: receipt.text });
    this.receipts.length = Math.min(this.receipts.length, 20);
    this.changed();
  }

  reporter(runDir: string): Reporter {
    this.runDir = runDir;
    return {
      name: 'panel',
      onRunStart: (header) => {
        this.header = header;
        this.changed();
      },
      onCaseStart: (ref) => {
        this.currentCase = `${ref.suite}/${ref.id}`;
        this.changed();
      },
      onCaseEnd: (record: CaseRecord) => {
        const row = caseRow(this.cases.length + 1, record);
        this.cases.push({ ...row, firstFailure: row.firstFailure ?? null, detail: row.detail ?? { steps: [] } });
        this.changed();
      },
      onRunEnd: (record) => {
        this.ended = record;
        this.currentCase = null;
        this.changed();
      },
    };
  }

  /** Sends what changed, then says the run ended and closes. */
  async close(): Promise<void> {
    for (const socket of this.clients) socket.close(1000, 'the run ended; its report is in the run folder');
    await this.app.close();
  }

  private routes(): void {
    const sameSite = (request: FastifyRequest) => request.headers.origin === undefined || ownOrigins(request).includes(request.headers.origin);
    this.app.addHook('onRequest', async (request, reply) => {
      // No login guards a local run's panel, so the name a page asked for must be this machine's:
      // a site whose name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name as Host,
      // and its Origin would match it.
      if (!LOOPBACK_HOST.test(request.headers.host ?? '')) await reply.code(403).send({ error: `the panel of a local run answers to 127.0.0.1 and localhost only, not ${request.headers.host ?? '(no host)'}` });
      else if (!sameSite(request)) await reply.code(403).send({ error: `requests from ${request.headers.origin} are not accepted` });
      else if (request.method !== 'GET' && request.method !== 'HEAD') await reply.code(403).send({ error: 'the panel of a local run is read-only' });
    });
    this.app.get('/api/session', async () => ({ role: 'viewer', tokenId: 'local run', csrf: '', local: true }));
    this.app.get('/api/bench', async () => this.bench());
    this.app.get('/api/runs', async () => (this.header ? [this.summary()] : []));
    this.app.get<{ Params: { id: string } }>('/api/runs/:id', async (request, reply) => (request.params.id === LOCAL_ID && this.header ? this.run() : reply.code(404).send({ error: `no run ${request.params.id}` })));
    this.app.get<{ Params: { id: string; '*': string } }>('/api/runs/:id/files/*', async (request, reply) => {
      const data = request.params.id === LOCAL_ID ? this.file(request.params['*']) : undefined;
      return data ? sendRunFile(reply, request.params['*'], data) : reply.code(404).send({ error: `this run has no file ${request.params['*']}` });
    });
    this.app.get('/api/live', { websocket: true }, (socket) => {
      if (this.clients.size >= 16) return void socket.close(1013, 'too many pages open');
      this.clients.add(socket);
      socket.on('close', () => this.clients.delete(socket));
      socket.on('message', () => {});
      socket.send(JSON.stringify({ type: 'bench', data: this.bench() }));
    });
  }

  private changed(): void {
    if (this.clients.size === 0 || !this.header) return;
    const messages = [JSON.stringify({ type: 'bench', data: this.bench() }), JSON.stringify({ type: 'runs', data: [this.summary()] }), JSON.stringify({ type: 'run', data: this.run() })];
    for (const socket of this.clients) for (const message of messages) socket.send(message);
  }

  private summary(): RunSummaryView {
    const header = this.header!;
    const failed = this.cases.filter((c) => c.outcome !== 'PASS' && c.outcome !== 'SKIPPED').length;
    return {
      id: LOCAL_ID,
      jobId: header.runId,
      submissionId: '',
      attempt: 1,
      device: header.device.name,
      deviceId: 'local',
      worker: header.host,
      state: this.ended ? 'finished' : 'running',
      outcome: this.ended?.summary.outcome ?? null,
      firmware: this.ended?.device.identity?.firmware ?? null,
      model: this.ended?.device.identity?.model ?? null,
      suites: [...new Set(header.inputs.filter((i) => i.kind === 'suite').map((i) => i.path.split(/[\\/]/).pop()!.replace(/\.suite\.ya?ml$/, '')))],
      currentCase: this.currentCase,
      startedAt: header.startedAt,
      endedAt: this.ended?.finishedAt ?? null,
      cases: this.cases.length,
      failed,
    };
  }

  private run(): RunView {
    return { ...this.summary(), summary: this.ended?.summary ?? null, prompts: [], receipts: this.receipts, caseRows: this.cases, files: this.ended ? this.files() : [] };
  }

  private bench(): BenchView {
    const summary = this.header ? this.summary() : undefined;
    return {
      at: new Date().toISOString(),
      workers: [],
      queue: [],
      prompts: [],
      devices: summary
        ? [
            {
              id: 'local',
              name: summary.device,
              labels: {},
              worker: summary.worker,
              state: this.ended ? 'idle' : 'leased',
              reason: this.ended ? 'the run ended' : `run ${this.header!.runId}`,
              ...(this.ended?.device.identity ? { identity: this.ended.device.identity } : {}),
              ...(this.ended
                ? { last: { runId: LOCAL_ID, outcome: summary.outcome, endedAt: summary.endedAt } }
                : { run: { id: LOCAL_ID, jobId: summary.jobId, suites: summary.suites, ...(summary.currentCase ? { currentCase: summary.currentCase } : {}), startedAt: summary.startedAt, casesDone: summary.cases, casesFailed: summary.failed } }),
            },
          ]
        : [],
    };
  }

  /** The run folder's files, by their path inside it (symbolic links left out). */
  private files(): { name: string; size: number }[] {
    const found: { name: string; size: number }[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile()) found.push({ name: relative(this.runDir!, path).split(sep).join('/'), size: lstatSync(path).size });
      }
    };
    if (this.runDir) walk(this.runDir);
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }

  private file(name: string): Buffer | undefined {
    if (!this.runDir || !this.ended) return undefined;
    const path = resolve(this.runDir, name);
    try {
      // Only a regular file inside the run folder, however the name is spelt.
      if (!realpathSync(path).startsWith(realpathSync(this.runDir) + sep) || !lstatSync(path).isFile()) return undefined;
      return readFileSync(path);
    } catch {
      return undefined;
    }
  }
}
