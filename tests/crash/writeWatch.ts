import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { CrashWorld } from './crashWorld.ts';

const POLL_MS = 5;

/**
 * Watches, from outside the server process, for the moment the enforcement transaction starts
 * writing, and for how far it got:
 * - PGlite: the sizes of the database's relation files (`db/base`, without the temporary files of sorts), which grow as soon as a
 *   statement extends a table (PostgreSQL writes new pages to the file at once, committed or
 *   not). Nothing else grows them while the test enforces: no mail is due, no other request
 *   runs, and the touch of the caller's session rewrites a row in a page with room to spare.
 * - PostgreSQL: `pg_stat_activity`, which names the statement each backend of the database runs
 *   (or last ran, while idle in its transaction).
 * The server's own log cannot serve on PGlite: pino writes asynchronously and PGlite keeps the
 * server's event loop busy for the whole transaction, so its progress lines come out after the commit.
 */
export interface WriteWatch {
  /** performance.now() here when a write of the transaction was first seen; null until then. */
  wroteAt: number | null;
  /** The latest observation, for the test's log. */
  seen: string;
  onWrite(listener: () => void): void;
  stop(): Promise<void>;
}

/** Statements only the enforcement transaction runs while the test enforces (delivery updates outbox, never inserts). */
const ENFORCEMENT_WRITES = /^\s*(update "memberships"|insert into outbox|insert into "audit_events")/i;

export async function watchWrites(world: CrashWorld): Promise<WriteWatch> {
  const listeners: Array<() => void> = [];
  const watch: WriteWatch = { wroteAt: null, seen: 'nothing', onWrite: (listener) => listeners.push(listener), stop: async () => {} };
  const wrote = (): void => {
    if (watch.wroteAt !== null) return;
    watch.wroteAt = performance.now();
    for (const listener of listeners) listener();
  };
  let stopped = false;
  let poll: () => Promise<void>;
  let close = async (): Promise<void> => {};
  if (world.databaseUrl) {
    const client = new pg.Client({ connectionString: world.databaseUrl });
    await client.connect();
    close = () => client.end();
    poll = async () => {
      const { rows } = await client.query<{ state: string; query: string }>(
        `select state, query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null`,
      );
      for (const row of rows) {
        if (!ENFORCEMENT_WRITES.test(row.query)) continue;
        watch.seen = `${row.state}: ${row.query.trim().slice(0, 28)}…`;
        wrote();
      }
    };
  } else {
    const base = join(world.dataDir, 'db', 'base');
    const baseline = relationBytes(base);
    poll = async () => {
      const grown = relationBytes(base) - baseline;
      if (grown <= 0) return;
      watch.seen = `database files +${(grown / 1024).toFixed(0)} KiB`;
      wrote();
    };
  }
  const loop = (async () => {
    while (!stopped) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })().catch((error: unknown) => {
    // Seen in the test's log; a kill it was to place then has no evidence, and the test says so.
    watch.seen = `the watch failed: ${String(error)}`;
  });
  watch.stop = async () => {
    stopped = true;
    await loop;
    await close();
  };
  return watch;
}

function relationBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Sorts and hashes spill there while the transaction only reads: not a write of its own.
    if (entry.name === 'pgsql_tmp') continue;
    const path = join(dir, entry.name);
    try {
      bytes += entry.isDirectory() ? relationBytes(path) : statSync(path).size;
    } catch {
      // A file the server removed between the listing and the stat.
    }
  }
  return bytes;
}
