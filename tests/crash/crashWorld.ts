import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
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
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  let running: ServerProcess | null = null;
  return {
    kind: databaseUrl ? 'postgres' : 'pglite',
    async start() {
      running = await startServerProcess(env, { timeoutMs: options.startTimeoutMs });
      return running;
    },
    async stop(server, signal) {
      await server.stop(signal);
      if (running === server) running = null;
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
