import { hostname } from 'node:os';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { AccessBarrier } from './accessBarrier.ts';
import type { AccessCache } from './accessCache.ts';
import { parseAccessPayload } from './accessPayload.ts';
import { CAUGHT_UP_LIMIT_MS, HEARTBEAT_MS, LEASE_MS, LISTENER_STATEMENT_TIMEOUT_MS } from './accessTimings.ts';

/** The channel the triggers of migration 005 notify on. */
export const ACCESS_CHANNEL = 'gatehouse_access';

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
 * The pool's own connections LISTEN too, because PostgreSQL hands a session its own notifications
 * before the COMMIT (or the autocommitted statement) that raised them returns. Two uses:
 * - when this instance revokes a credential or moves a member, its cache has dropped the old entry
 *   by the time the change's transaction completes: no later request to this instance can see it;
 * - the barrier learns which request or job changed access facts (`raisedOn`), and holds its
 *   response until the other instances have applied the change (src/db/accessBarrier.ts).
 * Notifications raised by other sessions are left to the dedicated listener (below); each
 * notification carries the process id of the session that raised it. `cache` is null on an
 * instance with the cache off, which still holds its writes for the others' caches.
 */
export function listenOnPool(pool: pg.Pool, cache: AccessCache | null, barrier: AccessBarrier): OwnSessions {
  const own = new Set<number>();
  barrier.trackPool();
  pool.on('connect', (client) => {
    const processId = (client as unknown as { processID: number }).processID;
    client.on('notification', (message) => {
      if (message.processId !== processId) return;
      const payload = message.payload ?? '';
      // Its own sequence points and heartbeats are no change.
      if (parseAccessPayload(payload).kind !== 'change') return;
      cache?.apply(payload);
      barrier.raisedOn(client);
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

/** Registers (or re-registers) this instance; its `applied_seq` starts at a fresh sequence value (see `connect`). */
const REGISTER_SQL = `insert into access_cache_instances (id, applied_seq, alive_until, host, pid, started_at)
  values ($1, nextval('gatehouse_access_seq'), clock_timestamp() + $2::int * interval '1 millisecond', $3, $4, clock_timestamp())
  on conflict (id) do update set applied_seq = excluded.applied_seq, alive_until = excluded.alive_until`;

/**
 * The heartbeat: renews the lease and notifies the channel, in one transaction. When it completes,
 * PostgreSQL has delivered to this connection every notification committed before it (its own
 * `hb` among them, before the statement's completion): proof that the instance is caught up.
 * `renewed` is false when a writer has evicted this instance (its lease had lapsed).
 */
const HEARTBEAT_SQL = `with renewed as (
    update access_cache_instances set alive_until = clock_timestamp() + $2::int * interval '1 millisecond' where id = $1 returning id
  )
  select exists (select 1 from renewed) as renewed, pg_notify('${ACCESS_CHANNEL}', 'hb') as notified`;

/** Acknowledges a sequence point: in the table (for writers without a listener) and on the channel (for the others, at once). */
const ACK_SQL = `with acked as (
    update access_cache_instances set applied_seq = greatest(applied_seq, $2) where id = $1 returning id, applied_seq
  )
  select pg_notify('${ACCESS_CHANNEL}', 'a:' || id || ':' || applied_seq) from acked`;

const DEREGISTER_SQL = 'delete from access_cache_instances where id = $1';

/**
 * PostgreSQL: one dedicated connection per instance LISTENs, outside the pool. PostgreSQL sends
 * each notification to every listening connection as its transaction commits, in commit order.
 *
 * The instance registers in `access_cache_instances` (so that writers wait for it: src/db/accessBarrier.ts)
 * and serves its cache only while this channel provably works (src/db/accessTimings.ts):
 * - every HEARTBEAT_MS one statement renews its lease and notifies the channel; when it completes,
 *   everything committed before it was sent has been applied, and the cache may serve until
 *   CAUGHT_UP_LIMIT_MS after that moment. A slow, stuck or silently dead connection stops
 *   extending it, and the cache stops serving by itself, checked at every read;
 * - a broken connection suspends the cache at once ('error' / 'end'); one caught up no more, or
 *   whose lease a writer found lapsed, is replaced. Listening again re-registers and resumes the
 *   cache from empty, because notifications sent in between are lost;
 * - each sequence point heard (`s:<seq>`, a writer's marker) is acknowledged, coalesced: one
 *   statement in flight at a time, acknowledging the highest heard.
 */
export async function listenOnPostgres(
  connectionString: string,
  cache: AccessCache,
  options: { own?: OwnSessions; barrier: AccessBarrier; nowMs?: () => number },
): Promise<AccessListener> {
  const nowMs = options.nowMs ?? (() => performance.now());
  const { barrier } = options;
  const instanceId = barrier.instanceId;
  const { Client } = (await import('pg')).default;
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  /** Send time of the last heartbeat that completed with the lease renewed (or of the registration). */
  let caughtUpMs = nowMs();
  // One heartbeat and one acknowledgement in flight at a time, per connection: a replaced
  // connection's stuck statement must not hold up its successor's.
  let heartbeatOn: pg.Client | null = null;
  let ackingOn: pg.Client | null = null;
  let heardSeq = 0;
  let ackedSeq = 0;
  let closed = false;

  // Statements on the listening connection go one after the other (pg would queue them, but
  // deprecates queueing): a heartbeat and an acknowledgement may be due at once.
  const tails = new WeakMap<pg.Client, Promise<unknown>>();
  const send = <R extends pg.QueryResultRow>(which: pg.Client, text: string, values: unknown[]): Promise<pg.QueryResult<R>> => {
    const run = (): Promise<pg.QueryResult<R>> => which.query<R>(text, values);
    const result = (tails.get(which) ?? Promise.resolve()).then(run, run);
    tails.set(which, result.catch(() => {}));
    return result;
  };

  const drop = (which: pg.Client): void => {
    if (client !== which) return;
    client = null;
    cache.suspend();
    which.removeAllListeners('notification');
    which.end().catch(() => {});
  };

  const acknowledge = (): void => {
    const current = client;
    if (!current || ackingOn === current || heardSeq <= ackedSeq) return;
    ackingOn = current;
    const seq = heardSeq;
    send(current, ACK_SQL, [instanceId, seq])
      .then(
        () => {
          ackedSeq = Math.max(ackedSeq, seq);
        },
        () => drop(current),
      )
      .finally(() => {
        if (ackingOn === current) ackingOn = null;
        acknowledge();
      });
  };

  const connect = async (): Promise<void> => {
    const candidate = new Client({
      connectionString,
      keepAlive: true,
      connectionTimeoutMillis: LISTENER_STATEMENT_TIMEOUT_MS,
      query_timeout: LISTENER_STATEMENT_TIMEOUT_MS,
      application_name: `gatehouse access listener ${instanceId}`,
    });
    candidate.on('notification', (message) => {
      if (client !== candidate) return;
      const payload = message.payload ?? '';
      const parsed = parseAccessPayload(payload);
      if (parsed.kind === 'sequence') {
        // Everything committed before this marker has been applied (above, in order).
        heardSeq = Math.max(heardSeq, parsed.seq);
        acknowledge();
      } else if (parsed.kind === 'ack') {
        barrier.acknowledged(parsed.instanceId, parsed.seq);
      } else if (parsed.kind === 'change' && !options.own?.has(message.processId)) {
        // (A change from this instance's own pool was applied, before its commit returned, by the connection that raised it.)
        cache.apply(payload);
      }
    });
    // Connection errors surface here too; without a listener they would crash the process.
    candidate.on('error', () => drop(candidate));
    candidate.on('end', () => drop(candidate));
    let registeredAtMs: number;
    try {
      await candidate.connect();
      await candidate.query(`listen ${ACCESS_CHANNEL}`);
      // Registered only once listening, with `applied_seq` a sequence value drawn now: any marker
      // drawn before it was drawn after its change committed, hence before this registration,
      // and the cache resumes from empty after it — it holds nothing older than that change.
      registeredAtMs = nowMs();
      await candidate.query(REGISTER_SQL, [instanceId, LEASE_MS, hostname(), process.pid]);
    } catch (error) {
      candidate.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await candidate.query(DEREGISTER_SQL, [instanceId]).catch(() => {});
      await candidate.end();
      return;
    }
    client = candidate;
    caughtUpMs = registeredAtMs;
    cache.resume(registeredAtMs + CAUGHT_UP_LIMIT_MS);
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

  const heartbeat = (): void => {
    if (closed) return;
    const current = client;
    if (!current) return reconnect();
    if (nowMs() - caughtUpMs > CAUGHT_UP_LIMIT_MS) {
      // The cache already serves nothing (its deadline passed); a fresh connection may do better.
      drop(current);
      return reconnect();
    }
    if (heartbeatOn === current) return;
    heartbeatOn = current;
    const sentMs = nowMs();
    send<{ renewed: boolean }>(current, HEARTBEAT_SQL, [instanceId, LEASE_MS])
      .then(
        ({ rows }) => {
          if (client !== current) return;
          if (!rows[0]?.renewed) {
            // A writer found the lease lapsed and stopped waiting for this instance: start over.
            drop(current);
            return reconnect();
          }
          caughtUpMs = sentMs;
          cache.extend(sentMs + CAUGHT_UP_LIMIT_MS);
          acknowledge();
        },
        () => drop(current),
      )
      .finally(() => {
        if (heartbeatOn === current) heartbeatOn = null;
      });
  };

  const timer = setInterval(heartbeat, HEARTBEAT_MS);
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
      if (current) {
        // Writers stop waiting for this instance at once, instead of until its lease lapses.
        await send(current, DEREGISTER_SQL, [instanceId]).catch(() => {});
        await current.end().catch(() => {});
      }
    },
  };
}
