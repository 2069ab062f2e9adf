import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/schema.ts';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess.ts';
import { createFreshDatabase } from '../helpers/testDatabase.ts';

/** These tests are about several instances sharing one database, which only PostgreSQL allows. */
export const POSTGRES_URL = process.env.GATEHOUSE_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TwoProcesses {
  servers: [ServerProcess, ServerProcess];
  /** The shared database, for seeding and for reading what both processes wrote. */
  db: Kysely<Database>;
  stop(): Promise<void>;
}

/** Two `gatehouse serve` processes on one fresh PostgreSQL database, sharing the secret key (as replicas do). */
export async function startTwoProcesses(env: Record<string, string> = {}): Promise<TwoProcesses> {
  const fresh = await createFreshDatabase(POSTGRES_URL);
  const secretKey = randomBytes(32).toString('base64');
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  // One after the other: the first migrates, the second starts on the migrated database.
  for (let index = 0; index < 2; index += 1) {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-pair-'));
    dirs.push(dataDir);
    servers.push(await startServerProcess({ DATABASE_URL: fresh.url, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET_KEY: secretKey, ...env }));
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: fresh.url, max: 2 }) }) });
  return {
    servers: servers as [ServerProcess, ServerProcess],
    db,
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
      await db.destroy();
      await fresh.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
