import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { HEARTBEAT_PAYLOAD, type AccessCache } from './accessCache.ts';

/** The channel the triggers of migration 005 notify on. */
export const ACCESS_CHANNEL = 'gatehouse_access';

/** Each instance pings the channel this often… */
const HEARTBEAT_MS = 1000;
/** …and stops trusting its cache when it has heard nothing (its own pings included) for this long. */
const SILENCE_LIMIT_MS = 3000;

export interface AccessListener {
  close(): Promise<void>;
}

/**
 * PGlite lives in this process and delivers a notification before the COMMIT that raised it
 * returns, so the cache hears of every change before anyone can ask again.
 */
export async function listenOnPglite(pglite: PGlite, cache: AccessCache): Promise<AccessListener> {
  await pglite.listen(ACCESS_CHANNEL, (payload) => cache.apply(payload));
  cache.resume();
  return {
    // No UNLISTEN: closing PGlite ends the listening with everything else, and a query sent here
    // directly (outside the driver's lock) could land inside someone's transaction.
    close: async () => cache.suspend(),
  };
}

/** The sessions of this instance's pool that hear their own notifications (so the listener may skip them). */
export interface OwnSessions {
  has(processId: number): boolean;
}

/**
 * The pool's own connections LISTEN too, for one purpose: PostgreSQL hands a session its own
 * notifications before the COMMIT (or the autocommitted statement) that raised them returns. So
 * when this instance revokes a credential or moves a member, its cache has dropped the old entry
 * by the time the change's transaction completes: no later request to this instance can see it.
 * Notifications raised by other sessions are left to the dedicated listener (below); each
 * notification carries the process id of the session that raised it.
 */
export function listenOnPool(pool: pg.Pool, cache: AccessCache): OwnSessions {
  const own = new Set<number>();
  pool.on('connect', (client) => {
    const processId = (client as unknown as { processID: number }).processID;
    client.on('notification', (message) => {
      if (message.processId === processId) cache.apply(message.payload ?? '');
    });
    client.on('end', () => own.delete(processId));
    // Queued before anything the pool's caller sends on this connection: in force from its first use.
    client.query(`listen ${ACCESS_CHANNEL}`).then(
      () => own.add(processId),
      () => {
        // A connection that cannot LISTEN is broken; the pool drops it with its first error.
      },
    );
  });
  return { has: (processId) => own.has(processId) };
}

/**
 * PostgreSQL: one dedicated connection per instance LISTENs, outside the pool. PostgreSQL sends
 * each notification to every listening connection as its transaction commits, in commit order.
 *
 * The cache is served only while this channel is known to work. A broken connection suspends it
 * at once ('error' / 'end'); a silently dead one (no packet back, e.g. a network partition) is
 * caught by the heartbeat: the instance notifies itself every second, and after 3 s without
 * hearing anything the cache is suspended and the connection replaced. Listening again resumes
 * the cache from empty, because notifications sent in between are lost.
 */
export async function listenOnPostgres(
  connectionString: string,
  cache: AccessCache,
  options: { own?: OwnSessions; nowMs?: () => number } = {},
): Promise<AccessListener> {
  const nowMs = options.nowMs ?? (() => performance.now());
  const { Client } = (await import('pg')).default;
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let lastHeardMs = nowMs();
  let closed = false;

  const drop = (which: pg.Client): void => {
    if (client !== which) return;
    client = null;
    cache.suspend();
    which.removeAllListeners('notification');
    which.end().catch(() => {});
  };

  const connect = async (): Promise<void> => {
    const candidate = new Client({ connectionString, keepAlive: true });
    candidate.on('notification', (message) => {
      if (client !== candidate) return;
      lastHeardMs = nowMs();
      // Already applied, before its commit returned, by the pooled connection that raised it.
      if (options.own?.has(message.processId)) return;
      cache.apply(message.payload ?? '');
    });
    // Connection errors surface here too; without a listener they would crash the process.
    candidate.on('error', () => drop(candidate));
    candidate.on('end', () => drop(candidate));
    try {
      await candidate.connect();
      await candidate.query(`listen ${ACCESS_CHANNEL}`);
    } catch (error) {
      candidate.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await candidate.end();
      return;
    }
    client = candidate;
    lastHeardMs = nowMs();
    cache.resume();
  };

  const reconnect = (): void => {
    if (closed || connecting) return;
    connecting = connect()
      .catch(() => {
        // Still suspended; the next heartbeat tries again.
      })
      .finally(() => {
        connecting = null;
      });
  };

  const timer = setInterval(() => {
    if (closed) return;
    const current = client;
    if (!current) return reconnect();
    if (nowMs() - lastHeardMs > SILENCE_LIMIT_MS) {
      drop(current);
      return reconnect();
    }
    current.query(`select pg_notify('${ACCESS_CHANNEL}', '${HEARTBEAT_PAYLOAD}')`).catch(() => drop(current));
  }, HEARTBEAT_MS);
  timer.unref();

  // The first connection is awaited, so a started server begins with a working cache; if it
  // fails the server still starts, reading the database on every request until it connects.
  await connect().catch(() => {});
  return {
    async close() {
      closed = true;
      clearInterval(timer);
      await connecting;
      const current = client;
      client = null;
      cache.suspend();
      if (current) await current.end().catch(() => {});
    },
  };
}
