import { GatehouseError } from '../../core/errors.ts';
import { repos } from '../../db/repos.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from '../orgs/enterOrg.ts';

export interface AuditLogQuery {
  action?: string;
  actor?: string;
  target?: string;
  since?: string;
  cursor?: string;
  limit?: string;
}

export interface PublicAuditEvent {
  id: string;
  action: string;
  actor: string | null;
  target: string | null;
  org: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

export const DEFAULT_AUDIT_PAGE = 50;

/** The cursor is opaque to clients: base64url of the last sequence number they were shown. */
export function encodeCursor(seq: number | string | bigint): string {
  return Buffer.from(String(seq), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Canonical form only: anything we did not hand out is a client error, not a silent first page.
  if (!/^[1-9][0-9]{0,14}$/.test(text) || encodeCursor(text) !== cursor) {
    throw new GatehouseError('invalid_request', 'the cursor is not one this API returned', {
      extra: { errors: [{ field: 'cursor', in: 'querystring', message: 'is not a valid cursor' }] },
    });
  }
  return Number(text);
}

/**
 * Admins and owners read their organization's audit log, newest first, keyset-paged on the
 * insertion sequence so that events written between two pages neither repeat nor go missing.
 */
export async function listAuditLog(deps: AppDeps, actor: Actor, slug: string, query: AuditLogQuery): Promise<{ events: PublicAuditEvent[]; next_cursor: string | null }> {
  const r = repos(deps.db);
  const { org } = await enterOrg(deps, r, actor, slug, deps.clock.now(), { minRole: 'admin' });
  const beforeSeq = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const limit = query.limit === undefined ? DEFAULT_AUDIT_PAGE : Number(query.limit);
  const rows = await r.audit.list({
    orgId: org.id,
    ...(query.action ? { action: query.action } : {}),
    ...(query.actor ? { actorId: query.actor } : {}),
    ...(query.target ? { targetId: query.target } : {}),
    ...(query.since ? { since: new Date(query.since) } : {}),
    ...(beforeSeq !== undefined ? { beforeSeq } : {}),
    // One more than asked: whether it comes back says whether there is a next page.
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    events: page.map((row) => ({ id: row.id, action: row.action, actor: row.actor_id, target: row.target_id, org: row.org_slug, data: row.data, created_at: row.created_at })),
    next_cursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
  };
}
