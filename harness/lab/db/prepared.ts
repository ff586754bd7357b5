/**
 * Repeated queries as named (prepared) statements. PostgreSQL parses and plans an unnamed
 * statement anew each time, and a named one once per connection; a lab job runs the same dozen
 * statements (pg-boss's fetch and complete, the lease, the upload, the queue lookups), and
 * naming them took 18 % off the server's CPU per job in the lab bench (docs/lab.md, figures).
 *
 * Only a statement with parameters is named: it is one statement, as the extended protocol
 * wants. A text is named the second time it is seen, and at most MAX_NAMED texts per process,
 * so SQL built with values inside it cannot fill the connections with statements.
 */
import type pg from 'pg';

const MAX_NAMED = 200;
/** Text → its statement name, or null when seen once. */
const names = new Map<string, string | null>();
let named = 0;

export function statementName(text: string): string | undefined {
  const name = names.get(text);
  if (name) return name;
  if (name === undefined) {
    if (names.size < 4 * MAX_NAMED) names.set(text, null);
    return undefined;
  }
  if (named >= MAX_NAMED) return undefined;
  const given = `poshil_${++named}`;
  names.set(text, given);
  return given;
}

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** For the pool's `connect` event: the client's queries with parameters go out named once repeated. */
export function nameRepeatedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  const named: Query = (config, values, callback) => {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name) return query({ name, text: config }, values, callback);
    }
    return query(config, values, callback);
  };
  client.query = named as typeof client.query;
}
