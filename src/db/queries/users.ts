import type { Selectable } from 'kysely';
import type { Db, PasswordCompromise, UsersTable } from '../schema.ts';

export type UserRow = Selectable<UsersTable>;

export class UserQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insert(row: { id: string; email: string; name: string | null; passwordHash: string | null; now: Date }): Promise<void> {
    await this.#db
      .insertInto('users')
      .values({ id: row.id, email: row.email, name: row.name, password_hash: row.passwordHash, last_failed_at: null, created_at: row.now })
      .execute();
  }

  byEmail(email: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  byId(id: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Row lock: serializes concurrent factor and password changes of one user. */
  lock(id: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Atomic increment, so concurrent failures on several instances are all counted. */
  async recordFailure(id: string, now: Date): Promise<number> {
    const row = await this.#db
      .updateTable('users')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1), last_failed_at: now }))
      .where('id', '=', id)
      .returning('failed_attempts')
      .executeTakeFirstOrThrow();
    return row.failed_attempts;
  }

  async resetFailures(id: string): Promise<void> {
    await this.#db.updateTable('users').set({ failed_attempts: 0, last_failed_at: null }).where('id', '=', id).where('failed_attempts', '>', 0).execute();
  }

  /** A new password (or none) ends any evidence against the old one: the mark goes with it. */
  async setPasswordHash(id: string, passwordHash: string | null): Promise<void> {
    await this.#db
      .updateTable('users')
      .set({ password_hash: passwordHash, password_compromised_at: null, password_compromise_reason: null })
      .where('id', '=', id)
      .execute();
  }

  /** Records evidence that the current password is compromised (until it is changed or removed). */
  async markPasswordCompromised(id: string, reason: PasswordCompromise, now: Date): Promise<void> {
    await this.#db.updateTable('users').set({ password_compromised_at: now, password_compromise_reason: reason }).where('id', '=', id).execute();
  }

  /**
   * Counts a guess as failed before it is verified, if the count is still the one the caller
   * decided on (compare-and-set on the count, which every claim moves). Concurrent guesses, on one
   * instance or several, are then each admitted against the count the others left: a burst gets
   * no more guesses verified than the same guesses one at a time would.
   */
  async claimAttempt(id: string, seenFailedAttempts: number, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('users')
      .set({ failed_attempts: seenFailedAttempts + 1, last_failed_at: now })
      .where('id', '=', id)
      .where('failed_attempts', '=', seenFailedAttempts)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Takes back a claimed guess that proved right: count and time go back to what they were, or,
   * when another guess was claimed since, the count alone goes down by one.
   */
  async refundAttempt(id: string, claim: { failedAttempts: number; at: Date; previousFailedAt: Date | null }): Promise<void> {
    const restored = await this.#db
      .updateTable('users')
      .set({ failed_attempts: claim.failedAttempts - 1, last_failed_at: claim.previousFailedAt })
      .where('id', '=', id)
      .where('failed_attempts', '=', claim.failedAttempts)
      .where('last_failed_at', '=', claim.at)
      .executeTakeFirst();
    if (restored.numUpdatedRows > 0n) return;
    await this.#db
      .updateTable('users')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '-', 1) }))
      .where('id', '=', id)
      .where('failed_attempts', '>', 0)
      .execute();
  }
}
