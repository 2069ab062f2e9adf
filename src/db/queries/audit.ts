import { sql } from 'kysely';
import { chainEvents } from '../../core/auditChain.ts';
import type { Db } from '../schema.ts';

export interface AuditEventInput {
  id: string;
  orgId: string | null;
  action: string;
  actorId: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  now: Date;
}

export interface AuditEventRow {
  seq: number;
  id: string;
  org_slug: string | null;
  action: string;
  actor_id: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

export interface AuditFilter {
  orgId: string;
  action?: string;
  actorId?: string;
  targetId?: string;
  since?: Date;
  beforeSeq?: number;
  limit: number;
}

const INSERT_BATCH = 1000;
/** First key of the audit chains' advisory locks ("audt"). */
const CHAIN_LOCK_NAMESPACE = 0x61756474;

/** The instance chain first, then organizations by id (code-unit order: the same in every process). */
function chainOrder(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

export interface ChainedEventRow {
  seq: number;
  id: string;
  org_id: string | null;
  action: string;
  actor_id: string | null;
  target_id: string | null;
  data: unknown;
  created_at: Date;
  prev_hash: string | null;
  hash: string | null;
}

export class AuditQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Appends events to their organizations' hash chains (src/core/auditChain.ts). Each chain is
   * locked for the rest of the transaction before its head is read, so concurrent transactions
   * writing to one organization chain one after the other instead of forking it. The hashes are
   * computed here in JS, with one round trip per chain for its head: hashing the 30,000
   * events of a large enforcement takes a fraction of a second.
   */
  async insert(events: readonly AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    // Outside a transaction the lock would end with its own statement: open one.
    if (!this.#db.isTransaction) {
      await this.#db.transaction().execute((trx) => new AuditQueries(trx).insert(events));
      return;
    }
    const chains = new Map<string | null, AuditEventInput[]>();
    for (const event of events) {
      const chain = chains.get(event.orgId);
      if (chain) chain.push(event);
      else chains.set(event.orgId, [event]);
    }
    // Always in one order, so two transactions touching the same chains cannot wait on each other.
    const orgIds = [...chains.keys()].sort(chainOrder);
    for (const orgId of orgIds) await this.lockChain(orgId);
    for (const orgId of orgIds) {
      const stored = chains.get(orgId)!.map((event) => {
        // Hash the data as it will be stored: what jsonb gives back is what verify recomputes from.
        const data = JSON.stringify(event.data);
        return { id: event.id, orgId, action: event.action, actorId: event.actorId, targetId: event.targetId, data: JSON.parse(data) as unknown, json: data, createdAt: event.now };
      });
      const linked = chainEvents(await this.chainHead(orgId), stored);
      for (let start = 0; start < linked.length; start += INSERT_BATCH) {
        await this.#db
          .insertInto('audit_events')
          .values(
            linked.slice(start, start + INSERT_BATCH).map((event) => ({
              id: event.id,
              org_id: event.orgId,
              action: event.action,
              actor_id: event.actorId,
              target_id: event.targetId,
              data: event.json,
              created_at: event.createdAt,
              prev_hash: event.prevHash,
              hash: event.hash,
            })),
          )
          .execute();
      }
    }
  }

  /**
   * A transaction-scoped advisory lock per chain (PostgreSQL and PGlite alike). The two-key form
   * keeps these locks apart from single-key advisory locks such as Kysely's migration lock.
   */
  async lockChain(orgId: string | null): Promise<void> {
    await sql`select pg_advisory_xact_lock(${CHAIN_LOCK_NAMESPACE}, hashtext(${`audit:${orgId ?? ''}`}))`.execute(this.#db);
  }

  /** The hash of the newest event of a chain (null: the chain is empty). */
  async chainHead(orgId: string | null): Promise<string | null> {
    const row = await this.#db
      .selectFrom('audit_events')
      .select('hash')
      .where('org_id', orgId === null ? 'is' : '=', orgId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.hash ?? null;
  }

  /** The organizations that have events, and whether instance events (no organization) exist. */
  async chains(): Promise<Array<string | null>> {
    const rows = await this.#db.selectFrom('audit_events').select('org_id').distinct().execute();
    return rows.map((row) => row.org_id).sort(chainOrder);
  }

  /** One page of a chain in insertion order, for verification. */
  chainPage(orgId: string | null, afterSeq: number, limit: number): Promise<ChainedEventRow[]> {
    return this.#db
      .selectFrom('audit_events')
      .select(['seq', 'id', 'org_id', 'action', 'actor_id', 'target_id', 'data', 'created_at', 'prev_hash', 'hash'])
      .where('org_id', orgId === null ? 'is' : '=', orgId)
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute() as Promise<ChainedEventRow[]>;
  }

  /** Newest first, keyset-paged on the insertion sequence so pages never skip or repeat. */
  list(filter: AuditFilter): Promise<AuditEventRow[]> {
    let query = this.#db
      .selectFrom('audit_events as e')
      .leftJoin('orgs as o', 'o.id', 'e.org_id')
      .select(['e.seq', 'e.id', 'o.slug as org_slug', 'e.action', 'e.actor_id', 'e.target_id', 'e.data', 'e.created_at'])
      .where('e.org_id', '=', filter.orgId);
    if (filter.action) query = query.where('e.action', '=', filter.action);
    if (filter.actorId) query = query.where('e.actor_id', '=', filter.actorId);
    if (filter.targetId) query = query.where('e.target_id', '=', filter.targetId);
    if (filter.since) query = query.where('e.created_at', '>=', filter.since);
    if (filter.beforeSeq !== undefined) query = query.where('e.seq', '<', filter.beforeSeq);
    return query.orderBy('e.seq', 'desc').limit(filter.limit).execute() as Promise<AuditEventRow[]>;
  }
}
