import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { BARRIER_BOUND_MS, BARRIER_POLL_MS } from './accessTimings.ts';
import { AccessWaits, type WaitOutcome } from './accessWaits.ts';

/** One request's (or job's) record of whether it changed anything an access decision reads. */
export interface AccessScope {
  raised: boolean;
}

export interface BarrierStats {
  /** Rounds run (each a marker drawn after one or more commits, or none when no other instance is registered). */
  rounds: number;
  /** Rounds that had other instances to wait for. */
  waited: number;
  /** Rounds ended by BARRIER_BOUND_MS rather than by every instance acknowledging or leaving. */
  bounded: number;
  /** Instances this barrier deleted from the table because their lease had lapsed. */
  evicted: number;
  /** Rounds whose statements failed (the database unreachable): they wait out the bound. */
  failed: number;
  /**
   * Changes this instance's pool committed outside any request or job scope, which nobody waited
   * for (an operator's script in-process, a lost async context). Should stay 0 for the server's own writes.
   */
  unattributed: number;
}

/**
 * Evicts the instances whose lease has lapsed, and — only if any other instance remains — draws a
 * sequence point and notifies it. One statement; the marker is drawn *after* the change committed
 * (the caller's COMMIT has returned), which is what makes an acknowledgement of it mean "the change
 * was applied": notifications reach every listener in commit order, and sequence values are not
 * (two transactions may commit in the other order than they drew them), so a sequence number drawn
 * inside the changing transaction would prove nothing.
 * The DELETE takes each row's lock and rechecks `alive_until` on the newest row version, so it
 * cannot remove an instance whose renewal committed meanwhile.
 */
const ROUND_SQL = `with evicted as (
    delete from access_cache_instances where id <> $1 and alive_until <= clock_timestamp() returning id
  ), others as (
    select id from access_cache_instances where id <> $1 and id not in (select id from evicted)
  ), marker as (
    select nextval('gatehouse_access_seq') as seq where exists (select 1 from others)
  )
  select marker.seq,
    case when marker.seq is not null then pg_notify('gatehouse_access', 's:' || marker.seq) end as notified,
    (select array_agg(id) from others) as ids, (select count(*) from evicted) as evicted
  from (select 1) as one left join marker on true`;

/** The acknowledgements of the instances still waited for, evicting those whose lease lapsed meanwhile. */
const POLL_SQL = `with evicted as (
    delete from access_cache_instances where id = any($1::text[]) and alive_until <= clock_timestamp() returning id
  )
  select (select count(*) from evicted) as evicted,
    (select coalesce(json_agg(json_build_object('id', id, 'applied_seq', applied_seq)), '[]')
      from access_cache_instances where id = any($1::text[]) and id not in (select id from evicted)) as rows`;

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * Revocation at once on every instance. A request (or job) whose writes changed what an access
 * decision reads does not answer until every *other* instance with the cache on has applied the
 * change, or provably serves nothing cached that predates it:
 *
 * 1. The pool's connections LISTEN (src/db/accessListener.ts, listenOnPool), so the connection
 *    that commits a change hears its own notification before COMMIT returns; `raisedOn` charges
 *    it to the request or job that had checked out the connection (an AsyncLocalStorage scope).
 * 2. Before the response is sent (`settle`), one statement (ROUND_SQL) evicts instances whose
 *    lease lapsed and draws and notifies a sequence point `s:<seq>` — skipped entirely when no
 *    other instance is registered. Requests settling together share one round.
 * 3. Each other instance, having received `s:<seq>`, has applied the change before it, and
 *    acknowledges (`a:<id>:<seq>` on the channel, and `applied_seq` in its row).
 * 4. The wait ends when each instance waited for has acknowledged or left the table (closed, or
 *    evicted by a writer because its lease lapsed), or after BARRIER_BOUND_MS, when an instance
 *    that has not applied the change has stopped serving cached entries (src/db/accessTimings.ts).
 *
 * A write therefore costs one statement when it is the only instance, and about one notification
 * round trip (writer → PostgreSQL → other instance → PostgreSQL → writer) otherwise; an
 * instance that is unreachable makes writes wait up to BARRIER_BOUND_MS until its lease lapses,
 * and not at all after. PGlite has no barrier: one process, which applies its own notifications
 * before COMMIT returns.
 */
export class AccessBarrier {
  readonly instanceId: string;
  readonly stats: BarrierStats = { rounds: 0, waited: 0, bounded: 0, evicted: 0, failed: 0, unattributed: 0 };
  readonly #pool: pg.Pool;
  readonly #nowMs: () => number;
  readonly #scopes = new AsyncLocalStorage<AccessScope>();
  /** Who has each pooled connection checked out, when it did so inside a scope. */
  readonly #owners = new WeakMap<object, AccessScope>();
  readonly #waits = new AccessWaits();
  /** The round that callers may still join: its statement has not been sent yet. */
  #open: Promise<WaitOutcome> | null = null;
  #polling = false;

  constructor(pool: pg.Pool, options: { instanceId: string; nowMs?: () => number }) {
    this.#pool = pool;
    this.instanceId = options.instanceId;
    this.#nowMs = options.nowMs ?? (() => performance.now());
  }

  /**
   * Charges each pooled connection's own notifications to the scope that checked it out. Wraps
   * `pool.connect` (Kysely and `pool.query` both acquire through it) to note the caller's scope
   * synchronously, where the caller's async context is certain.
   */
  trackPool(): void {
    const pool = this.#pool;
    const connect = pool.connect.bind(pool) as (callback?: ConnectCallback) => Promise<pg.PoolClient> | void;
    const owners = this.#owners;
    const scopes = this.#scopes;
    (pool as { connect: unknown }).connect = (callback?: ConnectCallback) => {
      const scope = scopes.getStore();
      if (callback) {
        return connect((error, client, done) => {
          if (client && scope) owners.set(client, scope);
          callback(error, client, done);
        });
      }
      return (connect() as Promise<pg.PoolClient>).then((client) => {
        if (scope) owners.set(client, scope);
        return client;
      });
    };
    pool.on('release', (_error: unknown, client: object) => owners.delete(client));
  }

  /** A pooled connection heard its own change notification (during the statement or COMMIT that raised it). */
  raisedOn(client: object): void {
    const scope = this.#owners.get(client);
    if (scope) scope.raised = true;
    else this.stats.unattributed += 1;
  }

  /** Another instance acknowledged a sequence point (heard on the channel). */
  acknowledged(instanceId: string, seq: number): void {
    if (instanceId !== this.instanceId) this.#waits.acknowledged(instanceId, seq);
  }

  /** A fresh scope for a request; `enter` runs code inside it. */
  newScope(): AccessScope {
    return { raised: false };
  }

  enter<T>(scope: AccessScope, fn: () => T): T {
    return this.#scopes.run(scope, fn);
  }

  /** Runs a job in a scope of its own, and settles before returning if it changed access facts. */
  async around<T>(work: () => Promise<T>): Promise<T> {
    const scope = this.newScope();
    try {
      return await this.enter(scope, work);
    } finally {
      if (scope.raised) await this.settle();
    }
  }

  /**
   * Resolves once every other instance has applied every change committed before this call (or
   * serves nothing cached from before them). Never rejects: a failing database makes it wait out
   * the bound, which is safe by itself.
   */
  settle(): Promise<WaitOutcome> {
    if (this.#open) return this.#open;
    const open: Promise<WaitOutcome> = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      // From here on a caller needs a new round: its commit may have returned after this marker is drawn.
      if (this.#open === open) this.#open = null;
      return this.#round();
    });
    this.#open = open;
    return open;
  }

  async #round(): Promise<WaitOutcome> {
    // The bound counts from before the marker: every commit this round covers had returned by now.
    const deadlineMs = this.#nowMs() + BARRIER_BOUND_MS;
    this.stats.rounds += 1;
    let outcome: WaitOutcome;
    try {
      const answer = await beforeDeadline(this.#query<{ seq: number | null; ids: string[] | null; evicted: number }>(ROUND_SQL, [this.instanceId]), deadlineMs - this.#nowMs());
      const row = answer?.rows[0];
      if (!row) throw new Error('no answer before the bound');
      this.stats.evicted += Number(row.evicted);
      if (row.seq === null) return 'acknowledged';
      this.stats.waited += 1;
      const waiting = this.#waits.add(Number(row.seq), row.ids ?? [], deadlineMs);
      this.#poll();
      outcome = await waiting;
    } catch {
      // The database did not answer: whoever is registered may not have heard the change, so
      // wait out the bound, after which an instance that has not applied it serves nothing cached.
      this.stats.failed += 1;
      await sleep(deadlineMs - this.#nowMs());
      outcome = 'bound';
    }
    if (outcome === 'bound') this.stats.bounded += 1;
    return outcome;
  }

  /**
   * Through `pool.connect()`'s promise, as Kysely does: `pool.query` would send on a fresh
   * connection before its LISTEN (listenOnPool) has gone out.
   */
  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const client = await this.#pool.connect();
    try {
      const result = await client.query<R>(text, values);
      client.release();
      return result;
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  /**
   * While anyone waits: every BARRIER_POLL_MS, end the waits past their bound, and read the
   * acknowledgements from the table (the notified ones may be missed: no listener here, a
   * reconnect). The ticking never waits for a statement, so a hanging database cannot hold a
   * wait past its bound.
   */
  #poll(): void {
    if (this.#polling) return;
    this.#polling = true;
    let reading = false;
    const timer = setInterval(() => {
      this.#waits.tick(this.#nowMs());
      if (!this.#waits.waiting) {
        clearInterval(timer);
        this.#polling = false;
        return;
      }
      const asked = this.#waits.pendingInstances();
      if (reading || asked.length === 0) return;
      reading = true;
      this.#query<{ evicted: number; rows: { id: string; applied_seq: number }[] }>(POLL_SQL, [asked])
        .then(({ rows: [answer] }) => {
          this.stats.evicted += Number(answer?.evicted ?? 0);
          this.#waits.polled(asked, (answer?.rows ?? []).map((row) => ({ id: row.id, applied_seq: Number(row.applied_seq) })));
        })
        .catch(() => {
          // The bound still ends every wait.
        })
        .finally(() => {
          reading = false;
        });
    }, BARRIER_POLL_MS);
  }
}

/** The promise's value, or undefined if `ms` pass first. */
function beforeDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
