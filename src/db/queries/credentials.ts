import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { Database, Db, PasswordCompromise, PersonalAccessTokensTable, SessionsTable } from '../schema.ts';

export type SessionRow = Selectable<SessionsTable>;
export type PatRow = Selectable<PersonalAccessTokensTable>;

export interface NewSession {
  id: string;
  tokenHash: string;
  userId: string;
  aal: number;
  amr: string[];
  mfaPending: boolean;
  authenticatedAt: Date;
  now: Date;
  expiresAt: Date;
}

/** A bearer credential resolved with its user in one round trip: the hot path of every request. */
export interface ResolvedCredential {
  kind: 'session' | 'pat';
  id: string;
  userId: string;
  email: string;
  name: string | null;
  aal: number;
  amr: string[];
  mfaPending: boolean;
  authenticatedAt: Date | null;
  lastSeenAt: Date | null;
  expiresAt: Date | null;
  /** The user has a confirmed factor now (GATEHOUSE_REQUIRE_MFA reads it on every request). */
  hasFactor: boolean;
  /** Evidence against the user's password, if any (src/core/accountRestriction.ts). */
  passwordCompromise: PasswordCompromise | null;
}

/**
 * Whether the credential's user has a confirmed factor, in the same round trip as the credential.
 * A cached credential is dropped when a factor of its user changes (migration 005 notifies
 * `u:<user_id>` for mfa_factors), so the cached answer is never older than the change.
 */
function userHasFactor(eb: ExpressionBuilder<Database & { u: Database['users'] }, 'u'>) {
  return eb
    .exists(eb.selectFrom('mfa_factors as f').select('f.id').whereRef('f.user_id', '=', 'u.id').where('f.confirmed_at', 'is not', null))
    .as('has_factor');
}

export class CredentialQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insertSession(session: NewSession): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({
        id: session.id,
        token_hash: session.tokenHash,
        user_id: session.userId,
        aal: session.aal,
        amr: JSON.stringify(session.amr),
        mfa_pending: session.mfaPending,
        authenticated_at: session.authenticatedAt,
        created_at: session.now,
        last_seen_at: session.now,
        expires_at: session.expiresAt,
        revoked_at: null,
      })
      .execute();
  }

  /**
   * The end of an MFA step in one statement: the pending session is revoked, the user's failure
   * count reset and the full session written only if this request is the one that revoked it, so
   * two requests racing with one pending session cannot both come away with a full one. One
   * statement instead of a transaction of four: a sign-in is bounded by argon2, and every round
   * trip to the database costs the same core (BENCHMARKS.md, figure 2).
   */
  async rotatePendingSession(pendingId: string, next: NewSession): Promise<boolean> {
    const result = await sql<{ id: string }>`
      with revoked as (
        update sessions set revoked_at = ${next.now} where id = ${pendingId} and user_id = ${next.userId} and revoked_at is null
        returning user_id
      ), reset as (
        update users set failed_attempts = 0, last_failed_at = null
        where id in (select user_id from revoked) and failed_attempts > 0
      )
      insert into sessions (id, token_hash, user_id, aal, amr, mfa_pending, authenticated_at, created_at, last_seen_at, expires_at, revoked_at)
      select ${next.id}, ${next.tokenHash}, user_id, ${next.aal}::integer, ${JSON.stringify(next.amr)}::jsonb, ${next.mfaPending},
        ${next.authenticatedAt}::timestamptz, ${next.now}::timestamptz, ${next.now}::timestamptz, ${next.expiresAt}::timestamptz, null
      from revoked
      returning id`.execute(this.#db);
    return result.rows.length > 0;
  }

  /**
   * The end of a right password in one statement. Whether the user has a confirmed factor is read
   * here, where the session is written: with one, the session is only good for the MFA step and
   * the claimed guess is refunded (the count resets only when the MFA step completes); without,
   * the count resets. `replacesTokenHash` ends the session this browser held (ASVS 5.0 7.2.4).
   */
  async startPasswordSession(args: {
    userId: string;
    claim: { failedAttempts: number; at: Date; previousFailedAt: Date | null };
    replacesTokenHash: string | null;
    id: string;
    tokenHash: string;
    now: Date;
    pendingExpiresAt: Date;
    fullExpiresAt: Date;
  }): Promise<{ mfaPending: boolean; expiresAt: Date }> {
    const { claim } = args;
    // The refund is a compare-and-set on the claim: when another guess was counted since, only the count goes down by one.
    const result = await sql<{ mfa_pending: boolean; expires_at: Date }>`
      with factor as (
        select exists (select 1 from mfa_factors where user_id = ${args.userId} and confirmed_at is not null) as has_factor
      ), counted as (
        update users set
          failed_attempts = case
            when not factor.has_factor then 0
            when users.failed_attempts = ${claim.failedAttempts} and users.last_failed_at = ${claim.at} then ${claim.failedAttempts - 1}::integer
            else greatest(users.failed_attempts - 1, 0) end,
          last_failed_at = case
            when not factor.has_factor then null
            when users.failed_attempts = ${claim.failedAttempts} and users.last_failed_at = ${claim.at} then ${claim.previousFailedAt}::timestamptz
            else users.last_failed_at end
        from factor where users.id = ${args.userId}
      ), replaced as (
        update sessions set revoked_at = ${args.now} where token_hash = ${args.replacesTokenHash} and revoked_at is null
      )
      insert into sessions (id, token_hash, user_id, aal, amr, mfa_pending, authenticated_at, created_at, last_seen_at, expires_at, revoked_at)
      select ${args.id}, ${args.tokenHash}, ${args.userId}, 1, '["pwd"]'::jsonb, factor.has_factor,
        ${args.now}::timestamptz, ${args.now}::timestamptz, ${args.now}::timestamptz,
        case when factor.has_factor then ${args.pendingExpiresAt}::timestamptz else ${args.fullExpiresAt}::timestamptz end, null
      from factor
      returning mfa_pending, expires_at`.execute(this.#db);
    const row = result.rows[0];
    if (!row) throw new Error('the session was not written');
    return { mfaPending: row.mfa_pending, expiresAt: new Date(row.expires_at) };
  }

  async sessionByTokenHash(tokenHash: string, now: Date): Promise<ResolvedCredential | undefined> {
    const row = await this.#db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['s.id', 's.user_id', 'u.email', 'u.name', 's.aal', 's.amr', 's.mfa_pending', 's.authenticated_at', 's.last_seen_at', 's.expires_at', 'u.password_compromise_reason'])
      .select(userHasFactor)
      .where('s.token_hash', '=', tokenHash)
      .where('s.revoked_at', 'is', null)
      .where('s.expires_at', '>', now)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      kind: 'session',
      id: row.id,
      userId: row.user_id,
      email: row.email,
      name: row.name,
      aal: row.aal,
      amr: row.amr,
      mfaPending: row.mfa_pending,
      authenticatedAt: row.authenticated_at,
      lastSeenAt: row.last_seen_at,
      expiresAt: row.expires_at,
      hasFactor: Boolean(row.has_factor),
      passwordCompromise: row.password_compromise_reason,
    };
  }

  async patByTokenHash(tokenHash: string, now: Date): Promise<ResolvedCredential | undefined> {
    const row = await this.#db
      .selectFrom('personal_access_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['t.id', 't.user_id', 'u.email', 'u.name', 't.aal', 't.amr', 't.expires_at', 't.last_used_at', 'u.password_compromise_reason'])
      .select(userHasFactor)
      .where('t.token_hash', '=', tokenHash)
      .where('t.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', now)]))
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      kind: 'pat',
      id: row.id,
      userId: row.user_id,
      email: row.email,
      name: row.name,
      aal: row.aal,
      amr: row.amr,
      mfaPending: false,
      authenticatedAt: null,
      lastSeenAt: row.last_used_at,
      expiresAt: row.expires_at,
      hasFactor: Boolean(row.has_factor),
      passwordCompromise: row.password_compromise_reason,
    };
  }

  async touchSession(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
  }

  async touchPat(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('personal_access_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async revokeSession(id: string, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Ends every other session of a user (ASVS 7.4.3: after a password or factor change). */
  async revokeOtherSessions(userId: string, keepSessionId: string | null, now: Date): Promise<void> {
    let query = this.#db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (keepSessionId) query = query.where('id', '!=', keepSessionId);
    await query.execute();
  }

  async insertPat(row: { id: string; tokenHash: string; userId: string; name: string; aal: number; amr: string[]; now: Date; expiresAt: Date | null }): Promise<void> {
    await this.#db
      .insertInto('personal_access_tokens')
      .values({
        id: row.id,
        token_hash: row.tokenHash,
        user_id: row.userId,
        name: row.name,
        aal: row.aal,
        amr: JSON.stringify(row.amr),
        created_at: row.now,
        expires_at: row.expiresAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
  }

  listPats(userId: string, now: Date): Promise<PatRow[]> {
    return this.#db
      .selectFrom('personal_access_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at', 'desc')
      .execute();
  }

  async revokePat(userId: string, id: string, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('personal_access_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The user's sessions that still work: not revoked, not expired, not idle past `idleSince`. */
  listLiveSessions(userId: string, now: Date, idleSince: Date): Promise<SessionRow[]> {
    return this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>=', idleSince)
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** Ends one session of this user (false: no such live session of theirs). */
  async revokeSessionOfUser(userId: string, id: string, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Ends the session a presented token names, whoever it belongs to (a sign-in replacing it on this browser). */
  async revokeSessionByTokenHash(tokenHash: string, now: Date): Promise<void> {
    await this.#db.updateTable('sessions').set({ revoked_at: now }).where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).execute();
  }

  /** Operators: ends every session of one user, or of everyone (userId null); returns how many. */
  async revokeAllSessions(userId: string | null, now: Date): Promise<number> {
    let query = this.#db.updateTable('sessions').set({ revoked_at: now }).where('revoked_at', 'is', null).where('expires_at', '>', now);
    if (userId !== null) query = query.where('user_id', '=', userId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Operators: revokes every personal access token of one user; returns how many. */
  async revokeAllPats(userId: string, now: Date): Promise<number> {
    const result = await this.#db
      .updateTable('personal_access_tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
