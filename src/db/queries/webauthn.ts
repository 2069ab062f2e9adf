import type { Selectable } from 'kysely';
import type { Db, WebauthnChallengesTable } from '../schema.ts';
import type { FactorRow } from './factors.ts';

export type WebauthnChallengeRow = Selectable<WebauthnChallengesTable>;
export type ChallengePurpose = WebauthnChallengesTable['purpose'];

/** Passkeys: their server-side challenges, and the `mfa_factors` rows of type `webauthn`. */
export class WebauthnQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Stores a new challenge and drops the user's earlier ones of the same purpose: only the
   * latest options a client fetched can be answered, and the table keeps one row per purpose.
   */
  async replaceChallenge(row: { id: string; userId: string; purpose: ChallengePurpose; challenge: string; now: Date; expiresAt: Date }): Promise<void> {
    await this.#db.deleteFrom('webauthn_challenges').where('user_id', '=', row.userId).where('purpose', '=', row.purpose).execute();
    await this.#db
      .insertInto('webauthn_challenges')
      .values({ id: row.id, user_id: row.userId, purpose: row.purpose, challenge: row.challenge, created_at: row.now, expires_at: row.expiresAt, used_at: null })
      .execute();
  }

  /**
   * Marks the challenge a response answers as used, if it is the user's, of this purpose, unused
   * and unexpired. The compare-and-set runs in the database, so when two requests race with one
   * response exactly one of them gets `true`.
   */
  async consumeChallenge(options: { userId: string; purpose: ChallengePurpose; challenge: string; now: Date }): Promise<boolean> {
    const result = await this.#db
      .updateTable('webauthn_challenges')
      .set({ used_at: options.now })
      .where('user_id', '=', options.userId)
      .where('purpose', '=', options.purpose)
      .where('challenge', '=', options.challenge)
      .where('used_at', 'is', null)
      .where('expires_at', '>', options.now)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The user's confirmed passkeys, oldest first. */
  listCredentials(userId: string): Promise<FactorRow[]> {
    return this.#db
      .selectFrom('mfa_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .where('type', '=', 'webauthn')
      .where('confirmed_at', 'is not', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** One of the user's confirmed passkeys by credential id; another user's credential is not found. */
  credentialOf(userId: string, credentialId: string): Promise<FactorRow | undefined> {
    return this.#db
      .selectFrom('mfa_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .where('type', '=', 'webauthn')
      .where('credential_id', '=', credentialId)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst();
  }

  /** Credential ids are unique across all users (a unique index backs this). */
  async credentialIdTaken(credentialId: string): Promise<boolean> {
    const row = await this.#db.selectFrom('mfa_factors').select('id').where('credential_id', '=', credentialId).executeTakeFirst();
    return row !== undefined;
  }
}
