import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type OpenDatabase } from '../src/db/openDatabase.ts';

/** One database the benchmark seeds, serves and throws away: a fresh PostgreSQL database or a PGlite data dir. */
export interface BenchDatabase {
  readonly kind: 'postgres' | 'pglite';
  /** Environment that points `gatehouse serve` at it. */
  readonly serverEnv: Readonly<Record<string, string>>;
  readonly dataDir: string;
  open(): Promise<OpenDatabase>;
  /** A copy of the current contents (PostgreSQL: a template copy; PGlite: the closed data dir copied). */
  copy(): Promise<BenchDatabase>;
  drop(): Promise<void>;
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function postgresDatabase(serverUrl: string, name: string): BenchDatabase {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  return {
    kind: 'postgres',
    serverEnv: { DATABASE_URL: url.toString(), GATEHOUSE_DATA_DIR: dataDir },
    dataDir,
    open: () => openDatabase({ databaseUrl: url.toString(), dataDir }),
    async copy() {
      const copyName = `${name}_copy_${randomBytes(3).toString('hex')}`;
      await adminQuery(serverUrl, `create database ${copyName} template ${name}`);
      return postgresDatabase(serverUrl, copyName);
    },
    async drop() {
      await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function pgliteDatabase(dataDir: string): BenchDatabase {
  return {
    kind: 'pglite',
    serverEnv: { GATEHOUSE_DATA_DIR: dataDir },
    dataDir,
    open: () => openDatabase({ databaseUrl: null, dataDir }),
    async copy() {
      const copyDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-copy-'));
      cpSync(dataDir, copyDir, { recursive: true, filter: (source) => !source.endsWith('gatehouse.lock') });
      return pgliteDatabase(copyDir);
    },
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `DATABASE_URL` set: a new database on that server; otherwise a PGlite data dir in /tmp. */
export async function freshDatabase(serverUrl: string | null, purpose: string): Promise<BenchDatabase> {
  if (!serverUrl) return pgliteDatabase(mkdtempSync(join(tmpdir(), `gatehouse-bench-${purpose}-`)));
  const name = `gatehouse_bench_${purpose}_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  return postgresDatabase(serverUrl, name);
}

/** `select version()` of the server, or PGlite's. */
export async function databaseVersion(database: BenchDatabase): Promise<string> {
  const open = await database.open();
  try {
    const { sql } = await import('kysely');
    const result = await sql<{ version: string }>`select version()`.execute(open.db);
    const version = result.rows[0]?.version ?? 'unknown';
    return database.kind === 'pglite' ? `PGlite (${version.split(' on ')[0]})` : version.split(' on ')[0] ?? version;
  } finally {
    await open.close();
  }
}
