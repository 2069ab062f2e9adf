import type { Selectable } from 'kysely';
import type { Db, InvitationsTable, Role } from '../schema.ts';

export type InvitationRow = Selectable<InvitationsTable>;

export class InvitationQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insert(row: { id: string; orgId: string; email: string; role: Role; tokenHash: string; invitedBy: string; now: Date; expiresAt: Date }): Promise<void> {
    await this.#db
      .insertInto('invitations')
      .values({
        id: row.id,
        org_id: row.orgId,
        email: row.email,
        role: row.role,
        token_hash: row.tokenHash,
        invited_by: row.invitedBy,
        created_at: row.now,
        expires_at: row.expiresAt,
        accepted_at: null,
        revoked_at: null,
        last_sent_at: row.now,
      })
      .execute();
  }

  byId(orgId: string, id: string): Promise<InvitationRow | undefined> {
    return this.#db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  }

  byTokenHash(tokenHash: string): Promise<InvitationRow | undefined> {
    return this.#db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  listOpen(orgId: string): Promise<InvitationRow[]> {
    return this.#db
      .selectFrom('invitations')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** A newer invitation to the same address replaces the open one (one link works, not two). */
  async revokeOpenFor(orgId: string, email: string, now: Date): Promise<void> {
    await this.#db
      .updateTable('invitations')
      .set({ revoked_at: now })
      .where('org_id', '=', orgId)
      .where('email', '=', email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revoke(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('invitations').set({ revoked_at: now }).where('id', '=', id).execute();
  }

  /** When invitation mail last went to this address from this organization, by any invitation. */
  async lastSentTo(orgId: string, email: string): Promise<Date | null> {
    const row = await this.#db
      .selectFrom('invitations')
      .select((eb) => eb.fn.max('last_sent_at').as('last'))
      .where('org_id', '=', orgId)
      .where('email', '=', email)
      .executeTakeFirst();
    return row?.last ? new Date(row.last) : null;
  }

  /**
   * New token and expiry, claimed by one conditional update: of two resends racing inside the
   * throttle interval only one renews (and mails); false for the other.
   */
  async renew(id: string, change: { tokenHash: string; expiresAt: Date; now: Date; sentBefore: Date }): Promise<boolean> {
    const result = await this.#db
      .updateTable('invitations')
      .set({ token_hash: change.tokenHash, expires_at: change.expiresAt, last_sent_at: change.now })
      .where('id', '=', id)
      .where('last_sent_at', '<=', change.sentBefore)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Compare-and-set so an invitation is accepted once even when two requests race. */
  async markAccepted(id: string, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('invitations')
      .set({ accepted_at: now })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
