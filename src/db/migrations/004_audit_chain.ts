import { sql, type Kysely } from 'kysely';
import { chainEvents } from '../../core/auditChain.ts';

// The audit log becomes a hash chain per organization (src/core/auditChain.ts). Events written
// before this migration are chained here, in insertion order, exactly as the application would
// have chained them; the hashes are computed in JS so both databases produce the same bytes.
const PAGE = 2000;

interface StoredEvent {
  seq: number;
  id: string;
  org_id: string | null;
  action: string;
  actor_id: string | null;
  target_id: string | null;
  data: unknown;
  created_at: Date;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table audit_events add column prev_hash text`.execute(db);
  await sql`alter table audit_events add column hash text`.execute(db);

  const heads = new Map<string | null, string | null>();
  let after = 0;
  for (;;) {
    const { rows } = await sql<StoredEvent>`
      select seq, id, org_id, action, actor_id, target_id, data, created_at
      from audit_events where seq > ${after} order by seq limit ${PAGE}`.execute(db);
    if (rows.length === 0) break;
    const updates: Array<{ seq: number; prevHash: string | null; hash: string }> = [];
    for (const row of rows) {
      const [linked] = chainEvents(heads.get(row.org_id) ?? null, [
        { id: row.id, orgId: row.org_id, action: row.action, actorId: row.actor_id, targetId: row.target_id, data: row.data, createdAt: row.created_at },
      ]);
      heads.set(row.org_id, linked!.hash);
      updates.push({ seq: row.seq, prevHash: linked!.prevHash, hash: linked!.hash });
    }
    const values = sql.join(updates.map((update) => sql`(${update.seq}::bigint, ${update.prevHash}::text, ${update.hash}::text)`));
    await sql`
      update audit_events as e set prev_hash = v.prev_hash, hash = v.hash
      from (values ${values}) as v(seq, prev_hash, hash) where e.seq = v.seq`.execute(db);
    after = rows[rows.length - 1]!.seq;
  }
}
