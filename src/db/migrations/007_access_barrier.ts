import { sql, type Kysely } from 'kysely';

/**
 * What makes the access cache strict across instances on PostgreSQL (src/db/accessBarrier.ts):
 * - `gatehouse_access_seq` numbers the sequence points that writers notify after their change
 *   committed. CACHE 1 (the default, stated because it matters): values are handed out in the
 *   order nextval is called, across sessions, which the registration of an instance relies on.
 * - `access_cache_instances`: every instance serving a cache, the highest sequence point it has
 *   applied, and its lease (by the database's clock, so instances' clocks need not agree). Writers
 *   wait for the instances listed here; one whose lease lapsed is deleted by the next writer.
 *   `host` and `pid` say which process a row is, for an operator wondering what a write waits for.
 * Unused on the embedded database (one process), created there too so the schema is one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence gatehouse_access_seq cache 1`.execute(db);
  await sql`create table access_cache_instances (
    id text primary key,
    applied_seq bigint not null,
    alive_until timestamptz not null,
    host text not null,
    pid integer not null,
    started_at timestamptz not null
  )`.execute(db);
}
