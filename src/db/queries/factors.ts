import type { Selectable } from 'kysely';
import type { Db, MfaFactorsTable } from '../schema.ts';

export type FactorRow = Selectable<MfaFactorsTable>;

export interface MfaSummary {
  hasFactor: boolean;
  hasPhishingResistantFactor: boolean;
  factorTypes: string[];
}

export class FactorQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  listForUser(userId: string): Promise<FactorRow[]> {
    return this.#db.selectFrom('mfa_factors').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  }

  listActive(userId: string): Promise<FactorRow[]> {
    return this.#db
      .selectFrom('mfa_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async summary(userId: string): Promise<MfaSummary> {
    const active = await this.listActive(userId);
    return {
      hasFactor: active.length > 0,
      hasPhishingResistantFactor: active.some((factor) => factor.phishing_resistant),
      factorTypes: [...new Set(active.map((factor) => factor.type))].sort(),
    };
  }

  byId(userId: string, id: string): Promise<FactorRow | undefined> {
    return this.#db.selectFrom('mfa_factors').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  }

  async insert(row: Omit<FactorRow, 'last_used_step' | 'last_used_at'>): Promise<void> {
    await this.#db
      .insertInto('mfa_factors')
      .values({ ...row, transports: row.transports ? JSON.stringify(row.transports) : null, last_used_step: null, last_used_at: null })
      .execute();
  }

  async confirm(id: string, now: Date, step: number | null): Promise<void> {
    await this.#db.updateTable('mfa_factors').set({ confirmed_at: now, last_used_step: step, last_used_at: step === null ? null : now }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('mfa_factors').where('id', '=', id).execute();
  }

  /** Drops enrollments that were started and never confirmed, so they do not pile up. */
  async deleteUnconfirmed(userId: string, type: string): Promise<void> {
    await this.#db.deleteFrom('mfa_factors').where('user_id', '=', userId).where('type', '=', type as 'totp').where('confirmed_at', 'is', null).execute();
  }

  /**
   * Records the TOTP time step just accepted. The compare-and-set runs in the database, so when
   * two requests (or two server processes) race with one code, exactly one update matches.
   */
  async consumeTotpStep(id: string, step: number, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('mfa_factors')
      .set({ last_used_step: step, last_used_at: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async markUsed(id: string, now: Date, signCount: number | null): Promise<void> {
    await this.#db.updateTable('mfa_factors').set({ last_used_at: now, sign_count: signCount }).where('id', '=', id).execute();
  }

  async replaceRecoveryCodes(userId: string, rows: { id: string; codeHash: string }[], now: Date): Promise<void> {
    await this.#db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    if (rows.length === 0) return;
    await this.#db
      .insertInto('recovery_codes')
      .values(rows.map((row) => ({ id: row.id, user_id: userId, code_hash: row.codeHash, created_at: now, used_at: null })))
      .execute();
  }

  /** Single use, enforced by the same compare-and-set as TOTP steps. */
  async consumeRecoveryCode(userId: string, codeHash: string, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async recoveryCodesRemaining(userId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
