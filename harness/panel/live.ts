/**
 * Live updates for every open panel from one LISTEN connection. The lab's triggers say which
 * table and row changed (`poshil_panel`); the hub reads the bench and the changed runs again, at
 * most one read at a time, coalescing the notices that arrive meanwhile, and sends the result to
 * every browser. No browser polls: a page costs the database nothing until something changes.
 */
import pg from 'pg';
import type { WebSocket } from '@fastify/websocket';
import { benchView, runView } from './views.js';

export interface LiveMessage {
  type: 'bench' | 'run';
  data: unknown;
}

interface Notice {
  table: string;
  key: string | null;
}

export class LiveHub {
  private readonly clients = new Set<WebSocket>();
  private listener: pg.Client | undefined;
  private benchDirty = false;
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
    this.clients.add(socket);
    socket.on('close', () => this.clients.delete(socket));
    // Pages only listen; anything they send is ignored (ws itself closes on an oversized frame).
    socket.on('message', () => {});
    this.changed({ table: 'workers', key: null });
  }

  changed(notice: Notice): void {
    if (notice.table === 'runs' || notice.table === 'case_results' || notice.table === 'prompts') {
      if (notice.key) this.runsDirty.add(notice.key);
    }
    this.benchDirty = true;
    if (!this.reading) this.reading = this.readAndSend().finally(() => (this.reading = undefined));
  }

  private async readAndSend(): Promise<void> {
    while (!this.closed && (this.benchDirty || this.runsDirty.size > 0)) {
      const runs = [...this.runsDirty];
      this.runsDirty.clear();
      const bench = this.benchDirty;
      this.benchDirty = false;
      try {
        for (const id of runs) {
          const view = await runView(this.pool, id);
          if (view) this.send({ type: 'run', data: view });
        }
        if (bench) this.send({ type: 'bench', data: await benchView(this.pool, this.options.heartbeatMs) });
      } catch (error) {
        this.options.onError(`live updates: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
  }

  private send(message: LiveMessage): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const socket of this.clients) {
      // A page that cannot keep up is dropped rather than buffered without end.
      if (socket.bufferedAmount > 4 * 1024 * 1024) socket.terminate();
      else socket.send(text);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ageTimer);
    for (const socket of this.clients) socket.close(1001, 'panel stopping');
    await this.reading;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
  }
}
