/**
 * The lab's change notices go out only while a panel listens: a notice wakes every listening
 * session of the database, workers' included, so with no panel open the triggers stay quiet.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../lab/test-support/lab-db.js';

let lab: TestLab;
let writer: pg.Client;
let panel: pg.Client;
const heard: string[] = [];

beforeAll(async () => {
  lab = await startTestLab();
  writer = new pg.Client({ connectionString: lab.url });
  panel = new pg.Client({ connectionString: lab.url });
  await Promise.all([writer.connect(), panel.connect()]);
  panel.on('notification', (message) => heard.push(message.payload ?? ''));
  await panel.query('LISTEN poshil_panel');
  await writer.query("INSERT INTO lab.workers (id, name, host, pid, bench) VALUES ('00000000-0000-4000-8000-000000000009', 'w9', 'h', 1, 'b')");
});
afterAll(async () => {
  await Promise.all([writer?.end(), panel?.end()]);
});

/** Renames the worker, then gives a notice time to arrive. */
async function change(name: string): Promise<void> {
  await writer.query("UPDATE lab.workers SET name = $1 WHERE id = '00000000-0000-4000-8000-000000000009'", [name]);
  await panel.query('SELECT 1');
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('change notices', () => {
  it('are sent only while a panel has said it listens', async () => {
    await change('quiet');
    expect(heard).toEqual([]);
    await panel.query('SELECT lab.panel_listening(true)');
    await change('heard');
    expect(heard.map((text) => JSON.parse(text))).toEqual([{ table: 'workers', key: '00000000-0000-4000-8000-000000000009' }]);
    await panel.query('SELECT lab.panel_listening(false)');
    await change('quiet again');
    expect(heard).toHaveLength(1);
  });

  it('forget a panel whose session ended without saying so', async () => {
    const gone = new pg.Client({ connectionString: lab.url });
    await gone.connect();
    await gone.query('SELECT lab.panel_listening(true)');
    await gone.end();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The next panel to start clears it, then leaves as well.
    await panel.query('SELECT lab.panel_listening(true)');
    await panel.query('SELECT lab.panel_listening(false)');
    expect((await writer.query('SELECT count(*)::int AS n FROM lab.panel_listeners')).rows[0]).toEqual({ n: 0 });
  });
});
