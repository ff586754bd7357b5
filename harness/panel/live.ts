/**
 * Live updates for every open panel from one LISTEN connection. The lab's triggers say which
 * table and row changed (`poshil_panel`), while a panel has said it listens (`lab.panel_listening`); the hub reads again what changed, at most one read at a
 * time, coalescing the notices that arrive meanwhile. A case starting or ending (the most frequent
 * change by far) costs one query for the summaries of the runs it touched, which pages patch into
 * their device rows at once. The whole bench is read again when workers or prompts change, and for
 * devices and leases (a job starting or ending) at most every BENCH_EVERY_MS: the rows' own news
 * has gone out already, only the queue's counts and health wait for it. A run is read whole only
 * for the pages that watch it (a page says `{"watch": RUN_ID}`). No browser
 * polls: a page costs the database nothing until something changes.
 */
import pg from 'pg';
import type { WebSocket } from '@fastify/websocket';
import { benchView, runSummaries, runView } from './views.js';

export interface LiveMessage {
  type: 'bench' | 'runs' | 'run';
  data: unknown;
}

/** How often a busy lab's whole bench is read again (job starts and ends come in bursts). */
const BENCH_EVERY_MS = 500;

interface Notice {
  table: string;
  key: string | null;
}

export class LiveHub {
  /** Each open page, and the run it watches, if any. */
  private readonly clients = new Map<WebSocket, string | undefined>();
  private listener: pg.Client | undefined;
  private benchDirty = false;
  /** A change people wait for (a prompt, a worker): the bench goes out now, not at the next turn. */
  private benchUrgent = false;
  private lastBench = 0;
  private benchTimer: NodeJS.Timeout | undefined;
  private readonly runsDirty = new Set<string>();
  private reading: Promise<void> | undefined;
  private closed = false;
  private readonly ageTimer: NodeJS.Timeout;

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly options: { heartbeatMs: number; maxClients: number; onError: (message: string) => void },
  ) {
    // A worker that stops beating sends no notice: offline is a matter of time, read again once a beat.
    this.ageTimer = setInterval(() => this.clients.size > 0 && this.changed({ table: 'workers', key: null }), options.heartbeatMs);
    this.ageTimer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  async start(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'poshil-panel-live' });
    client.on('notification', (message) => {
      try {
        this.changed(JSON.parse(message.payload ?? '{}') as Notice);
      } catch {
        // Not one of ours: nothing to read again.
      }
    });
    const lost = () => {
      if (this.closed || this.listener !== client) return;
      this.listener = undefined;
      this.options.onError('live updates: lost the database connection, trying again');
      setTimeout(() => void this.reconnect(), 1_000).unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.connect();
    await client.query('LISTEN poshil_panel');
    // The lab's triggers send notices only while some panel says it listens.
    await client.query('SELECT lab.panel_listening(true)');
    this.listener = client;
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.listen();
      // Whatever changed while the connection was down: read it all again.
      this.changed({ table: 'workers', key: null });
    } catch {
      setTimeout(() => void this.reconnect(), 1_000).unref();
    }
  }

  /** A new page: refused when the panel already serves its maximum, else given the bench at once. */
  add(socket: WebSocket): void {
    if (this.clients.size >= this.options.maxClients) {
      socket.close(1013, 'too many panels open; try again later');
      return;
    }
    this.clients.set(socket, undefined);
    socket.on('close', () => this.clients.delete(socket));
    // A page says which run it shows; anything else it sends is ignored (ws itself closes on an oversized frame).
    socket.on('message', (data) => {
      const watch = watched(String(data));
      if (watch === undefined) return;
      this.clients.set(socket, watch ?? undefined);
      if (watch) this.changed({ table: 'runs', key: watch });
    });
    this.changed({ table: 'workers', key: null });
  }

  changed(notice: Notice): void {
    const ofRun = notice.table === 'runs' || notice.table === 'case_results' || notice.table === 'receipts';
    if ((ofRun || notice.table === 'prompts') && notice.key) this.runsDirty.add(notice.key);
    if (!ofRun) this.benchDirty = true;
    if (notice.table === 'prompts' || notice.table === 'workers') this.benchUrgent = true;
    this.kick();
  }

  private kick(): void {
    if (!this.reading) this.reading = this.readAndSend().finally(() => (this.reading = undefined));
  }

  private benchDue(): boolean {
    return this.benchDirty && (this.benchUrgent || Date.now() - this.lastBench >= BENCH_EVERY_MS);
  }

  private async readAndSend(): Promise<void> {
    while (!this.closed && (this.benchDue() || this.runsDirty.size > 0)) {
      const runs = [...this.runsDirty];
      this.runsDirty.clear();
      const bench = this.benchDue();
      if (bench) {
        this.benchDirty = false;
        this.benchUrgent = false;
        this.lastBench = Date.now();
      }
      try {
        if (runs.length > 0) this.send({ type: 'runs', data: await runSummaries(this.pool, runs) });
        if (bench) this.send({ type: 'bench', data: await benchView(this.pool, this.options.heartbeatMs) });
        const watchedRuns = new Set(this.clients.values());
        for (const id of runs.filter((r) => watchedRuns.has(r))) {
          const view = await runView(this.pool, id);
          if (view) this.send({ type: 'run', data: view }, id);
        }
      } catch (error) {
        this.options.onError(`live updates: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
    if (this.benchDirty && !this.closed && !this.benchTimer) {
      this.benchTimer = setTimeout(() => {
        this.benchTimer = undefined;
        this.kick();
      }, Math.max(0, this.lastBench + BENCH_EVERY_MS - Date.now()));
      this.benchTimer.unref();
    }
  }

  /** To every page, or only to the pages watching run `only`. */
  private send(message: LiveMessage, only?: string): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const [socket, watching] of this.clients) {
      if (only !== undefined && watching !== only) continue;
      // A page that cannot keep up is dropped rather than buffered without end.
      if (socket.bufferedAmount > 4 * 1024 * 1024) socket.terminate();
      else socket.send(text);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ageTimer);
    clearTimeout(this.benchTimer);
    for (const socket of this.clients.keys()) socket.close(1001, 'panel stopping');
    await this.reading;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.query('SELECT lab.panel_listening(false)').catch(() => {});
    await listener?.end().catch(() => {});
  }
}

/** `{"watch": "RUN_ID"}` → the id; `{"watch": null}` → null; anything else → undefined. */
function watched(text: string): string | null | undefined {
  try {
    const message = JSON.parse(text) as { watch?: unknown };
    if (message.watch === null) return null;
    return typeof message.watch === 'string' && /^[0-9a-f-]{36}$/i.test(message.watch) ? message.watch : undefined;
  } catch {
    return undefined;
  }
}
