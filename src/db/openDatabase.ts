import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { AccessBarrier } from './accessBarrier.ts';
import { AccessCache } from './accessCache.ts';
import { listenOnPglite, listenOnPool, listenOnPostgres, type AccessListener } from './accessListener.ts';
import { lockDataDir } from './dataDirLock.ts';
import { migrateToLatest } from './migrate.ts';
import { PGliteDialect } from './pgliteDialect.ts';
import type { Database } from './schema.ts';

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'pglite';
  /** The hot path's cache, kept in step with the database (when `cacheAccess` was asked for). */
  readonly accessCache?: AccessCache | null;
  /**
   * PostgreSQL: holds writes until the other instances' caches have applied them
   * (src/db/accessBarrier.ts). It knows which request changed access facts only with
   * `holdWrites`; `settle()` can always be called after a write (the CLI does). None on PGlite.
   */
  readonly accessBarrier?: AccessBarrier | null;
  close(): Promise<void>;
}

const INT8_OID = 20;
// Counters and sequence numbers stay far below 2^53; both drivers return them as numbers.
const parseInt8 = (value: string): number => Number(value);

/**
 * `DATABASE_URL` (postgres://…) selects PostgreSQL; otherwise PGlite lives in `<dataDir>/db`.
 * `memory://` keeps PGlite in memory (tests, a quick look). Each driver is loaded only when it is
 * the one used: a server on PostgreSQL never pays for PGlite's code, and the reverse.
 * `cacheAccess` (the server) adds the access cache and the listener that keeps it current;
 * `holdWrites` (the server, cache or not) makes the pool report which request or job changed
 * access facts, so that its answer waits for the other instances' caches (src/db/accessBarrier.ts).
 */
export async function openDatabase(options: {
  databaseUrl: string | null;
  dataDir: string;
  poolSize?: number;
  cacheAccess?: boolean;
  holdWrites?: boolean;
}): Promise<OpenDatabase> {
  const url = options.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection that PostgreSQL closes (a restart, a failover) is dropped from the pool
    // and replaced on the next query; without a listener its 'error' would end the process.
    pool.on('error', () => {});
    const accessCache = options.cacheAccess ? new AccessCache() : null;
    const accessBarrier = new AccessBarrier(pool, { instanceId: randomBytes(8).toString('hex') });
    // Before the first connection opens, so that every pooled connection listens.
    const own = accessCache || options.holdWrites ? listenOnPool(pool, accessCache, accessBarrier) : undefined;
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    let listener: AccessListener | null = null;
    try {
      await migrateToLatest(db as Kysely<unknown>);
      if (accessCache) listener = await listenOnPostgres(url, accessCache, { own, barrier: accessBarrier });
      return {
        db,
        kind: 'postgres',
        accessCache,
        accessBarrier,
        close: async () => {
          await listener?.close();
          await db.destroy();
        },
      };
    } catch (error) {
      await listener?.close();
      await db.destroy();
      throw error;
    }
  }
  if (url && url !== 'memory://') {
    throw new Error(`DATABASE_URL must start with postgres:// or postgresql://`);
  }
  const unlock = url === 'memory://' ? () => {} : lockDataDir(options.dataDir);
  try {
    const { PGlite: PGliteClass } = await import('@electric-sql/pglite');
    const pglite: PGlite = new PGliteClass(url === 'memory://' ? undefined : join(options.dataDir, 'db'), {
      parsers: { [INT8_OID]: parseInt8 },
    });
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    await migrateToLatest(db as Kysely<unknown>);
    const accessCache = options.cacheAccess ? new AccessCache() : null;
    const listener = accessCache ? await listenOnPglite(pglite, accessCache) : null;
    return {
      db,
      kind: 'pglite',
      accessCache,
      close: async () => {
        await listener?.close();
        await db.destroy();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
