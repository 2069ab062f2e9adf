import pg from 'pg';
import { randomBytes } from 'node:crypto';

/**
 * The suite runs on PGlite in memory by default; with GATEHOUSE_TEST_DATABASE_URL (a PostgreSQL
 * server URL) every harness gets a fresh database of its own, dropped when it closes.
 */
export function testDatabaseServerUrl(): string | null {
  return process.env.GATEHOUSE_TEST_DATABASE_URL || null;
}

export async function createFreshDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
