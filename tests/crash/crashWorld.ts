import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../src/db/openDatabase.ts';
import type { Database } from '../../src/db/schema.ts';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess.ts';
import { createFreshDatabase, testDatabaseServerUrl } from '../helpers/testDatabase.ts';

/**
 * One Gatehouse installation that the test starts, kills and restarts as a real process: its
 * embedded database in a temporary data directory, or a fresh PostgreSQL database when
 * GATEHOUSE_TEST_DATABASE_URL is set. The test reads the database only while no server runs
 * (two processes must never open one PGlite directory).
 */
export interface CrashWorld {
  readonly kind: 'pglite' | 'postgres';
  /** The server's data directory (PGlite's files in `db/` under it, when it is the database). */
  readonly dataDir: string;
  /** The PostgreSQL database's URL, or null on PGlite. */
  readonly databaseUrl: string | null;
  start(): Promise<ServerProcess>;
  /** SIGKILL: no shutdown hook runs, nothing is flushed, the lock file stays behind. SIGTERM: a clean stop. */
  stop(server: ServerProcess, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  withDatabase<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

export async function createCrashWorld(options: { smtpUrl: string; startTimeoutMs: number }): Promise<CrashWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-crash-'));
  const serverUrl = testDatabaseServerUrl();
  const fresh = serverUrl ? await createFreshDatabase(serverUrl) : null;
  const databaseUrl = fresh?.url ?? null;
  const env: Record<string, string> = {
    GATEHOUSE_DATA_DIR: dataDir,
    SMTP_URL: options.smtpUrl,
    // Leases of mail claimed by a killed process run on this clock: the test moves it past them.
    GATEHOUSE_TEST_CLOCK: '1',
    GATEHOUSE_SECRET_KEY: randomBytes(32).toString('base64'),
    GATEHOUSE_PUBLIC_URL: 'http://gatehouse.test',
    // The progress lines of a large enforcement are info lines: the test kills on them.
    LOG_LEVEL: 'info',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  let running: ServerProcess | null = null;
  return {
    kind: databaseUrl ? 'postgres' : 'pglite',
    dataDir,
    databaseUrl,
    async start() {
      running = await startServerProcess(env, { timeoutMs: options.startTimeoutMs });
      return running;
    },
    async stop(server, signal) {
      await server.stop(signal);
      if (running === server) running = null;
      if (databaseUrl) await untilBackendsGone(databaseUrl);
    },
    async withDatabase(work) {
      if (running) throw new Error('stop the server before opening its database');
      const database = await openDatabase({ databaseUrl, dataDir, poolSize: 2 });
      try {
        return await work(database.db);
      } finally {
        await database.close();
      }
    },
    async dispose() {
      if (running) await running.stop('SIGKILL');
      await fresh?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A killed server's PostgreSQL backends live on until they notice: one running a statement
 * finishes it first, and a COMMIT it had received still commits. Until they are gone, what the
 * test reads is not final (a mail marked sent a moment later would count as caught in flight).
 */
async function untilBackendsGone(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      if (rows[0]!.n === 0) return;
      if (Date.now() > deadline) throw new Error(`${rows[0]!.n} backends of a stopped server still connected`);
      await sleep(20);
    }
  } finally {
    await client.end();
  }
}
