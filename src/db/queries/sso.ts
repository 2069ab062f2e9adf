import { sql, type Selectable } from 'kysely';
import type { Db, OrgSsoConfigsTable, SsoIdentitiesTable, SsoLoginStatesTable } from '../schema.ts';

export type SsoConfigRow = Selectable<OrgSsoConfigsTable>;
export type SsoIdentityRow = Selectable<SsoIdentitiesTable>;
export type SsoLoginStateRow = Selectable<SsoLoginStatesTable>;
export type JitRole = SsoConfigRow['jit_role'];

export interface SsoConfigInput {
  orgId: string;
  issuer: string;
  clientId: string;
  clientSecretSealed: string;
  trustIdpMfa: boolean;
  maxIdpAuthAgeSeconds: number;
  verifiedDomains: string[];
  jitRole: JitRole;
  now: Date;
}

/** Single sign-on: each organization's OpenID Connect settings, linked identities, and login states. */
export class SsoQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  config(orgId: string): Promise<SsoConfigRow | undefined> {
    return this.#db.selectFrom('org_sso_configs').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  }

  /** Inserts or replaces the organization's settings; `created_at` survives a replacement. */
  async putConfig(input: SsoConfigInput): Promise<void> {
    const values = {
      issuer: input.issuer,
      client_id: input.clientId,
      client_secret_sealed: input.clientSecretSealed,
      trust_idp_mfa: input.trustIdpMfa,
      max_idp_auth_age_seconds: input.maxIdpAuthAgeSeconds,
      verified_domains: JSON.stringify(input.verifiedDomains),
      jit_role: input.jitRole,
      updated_at: input.now,
    };
    await this.#db
      .insertInto('org_sso_configs')
      .values({ org_id: input.orgId, created_at: input.now, ...values })
      .onConflict((conflict) => conflict.column('org_id').doUpdateSet(values))
      .execute();
  }

  async deleteConfig(orgId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('org_sso_configs').where('org_id', '=', orgId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The slug of the organization a login state belongs to (the state stores its id). */
  async orgSlug(orgId: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('orgs').select('slug').where('id', '=', orgId).executeTakeFirst();
    return row?.slug;
  }

  identity(issuer: string, subject: string): Promise<SsoIdentityRow | undefined> {
    return this.#db.selectFrom('sso_identities').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
  }

  async insertIdentity(row: { issuer: string; subject: string; userId: string; now: Date }): Promise<void> {
    await this.#db.insertInto('sso_identities').values({ issuer: row.issuer, subject: row.subject, user_id: row.userId, created_at: row.now }).execute();
  }

  /**
   * Whether the user can still sign in through single sign-on: a linked identity at an issuer
   * that an organization they belong to is configured with, and that allows the `oidc` method.
   * An identity at an issuer none of their organizations uses any more is no way in.
   */
  async hasUsableIdentity(userId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('sso_identities as i')
      .innerJoin('org_sso_configs as c', 'c.issuer', 'i.issuer')
      .innerJoin('memberships as m', (join) => join.onRef('m.org_id', '=', 'c.org_id').onRef('m.user_id', '=', 'i.user_id'))
      .innerJoin('orgs as o', 'o.id', 'c.org_id')
      .select('i.subject')
      .where('i.user_id', '=', userId)
      .where(sql<boolean>`o.allowed_auth_methods @> '["oidc"]'::jsonb`)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertLoginState(row: {
    stateHash: string;
    orgId: string;
    nonce: string;
    codeVerifier: string;
    browserBindingHash: string;
    redirectAfter: string;
    now: Date;
    expiresAt: Date;
  }): Promise<void> {
    await this.#db
      .insertInto('sso_login_states')
      .values({
        state: row.stateHash,
        org_id: row.orgId,
        nonce: row.nonce,
        code_verifier: row.codeVerifier,
        browser_binding: row.browserBindingHash,
        redirect_after: row.redirectAfter,
        created_at: row.now,
        expires_at: row.expiresAt,
        used_at: null,
      })
      .execute();
  }

  /**
   * Marks a login state used and returns it, if it is unused and unexpired. The compare-and-set
   * runs in the database, so of two callbacks racing with one state exactly one gets the row.
   */
  consumeLoginState(stateHash: string, now: Date): Promise<SsoLoginStateRow | undefined> {
    return this.#db
      .updateTable('sso_login_states')
      .set({ used_at: now })
      .where('state', '=', stateHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
  }

  /** Login states are kept a day past expiry (for investigating a failed login), then dropped. */
  async deleteLoginStatesExpiredBefore(before: Date): Promise<void> {
    await this.#db.deleteFrom('sso_login_states').where('expires_at', '<', before).execute();
  }
}
