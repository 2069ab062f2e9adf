import { sql, type Selectable } from 'kysely';
import type { Db, MembershipsTable, OrgsTable, RequiredFactor, Role } from '../schema.ts';

export type OrgRow = Selectable<OrgsTable>;
export type MembershipRow = Selectable<MembershipsTable>;

/** Everything the access decision needs about (org, user), in one round trip. */
export interface OrgAccessRow {
  org: OrgRow;
  membership: MembershipRow | null;
  hasFactor: boolean;
  hasPhishingResistantFactor: boolean;
}

export interface MemberRow {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  state: 'active' | 'pending';
  pending_since: Date | null;
  reinstate_until: Date | null;
  last_reminded_at: Date | null;
  created_at: Date;
  factor_types: string[];
  has_pr_factor: boolean;
}

const factorAggregate = sql<{ factor_types: string[]; has_pr_factor: boolean }>`(
  select coalesce(jsonb_agg(distinct f.type), '[]'::jsonb) as factor_types,
         coalesce(bool_or(f.phishing_resistant), false) as has_pr_factor
  from mfa_factors f where f.user_id = m.user_id and f.confirmed_at is not null
)`;

export class OrgQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insert(row: { id: string; slug: string; name: string; plan: string; now: Date }): Promise<void> {
    await this.#db
      .insertInto('orgs')
      .values({
        id: row.id,
        slug: row.slug,
        name: row.name,
        plan: row.plan,
        allowed_auth_methods: JSON.stringify(['password', 'oidc']),
        grace_period_ends_at: null,
        mfa_enabled_at: null,
        mfa_enabled_by: null,
        created_at: row.now,
      })
      .execute();
  }

  bySlug(slug: string): Promise<OrgRow | undefined> {
    return this.#db.selectFrom('orgs').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  /**
   * Share-locks every organization the user belongs to. Enforcement takes the organization's row
   * FOR UPDATE, so a factor deletion and an enforcement switch on one organization serialize:
   * whichever commits second sees the other's result.
   */
  async lockOrgsOfUser(userId: string): Promise<void> {
    await this.#db
      .selectFrom('orgs as o')
      .innerJoin('memberships as m', 'm.org_id', 'o.id')
      .select('o.id')
      .where('m.user_id', '=', userId)
      .orderBy('o.id')
      .forShare('o')
      .execute();
  }

  /** Row lock on the organization: enforcement changes and membership changes serialize on it. */
  lockById(id: string): Promise<OrgRow | undefined> {
    return this.#db.selectFrom('orgs').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async update(id: string, changes: Partial<Omit<OrgRow, 'id' | 'allowed_auth_methods'>> & { allowed_auth_methods?: string[] }): Promise<void> {
    const { allowed_auth_methods, ...rest } = changes;
    await this.#db
      .updateTable('orgs')
      .set({ ...rest, ...(allowed_auth_methods ? { allowed_auth_methods: JSON.stringify(allowed_auth_methods) } : {}) })
      .where('id', '=', id)
      .execute();
  }

  async accessRow(slug: string, userId: string): Promise<OrgAccessRow | undefined> {
    const row = await this.#db
      .selectFrom('orgs as o')
      .leftJoin('memberships as m', (join) => join.onRef('m.org_id', '=', 'o.id').on('m.user_id', '=', userId))
      .selectAll('o')
      .select([
        'm.role',
        'm.state',
        'm.pending_since',
        'm.reinstate_until',
        'm.last_reminded_at',
        'm.rejoin_mailed_at',
        'm.created_at as member_since',
        sql<boolean>`exists(select 1 from mfa_factors f where f.user_id = ${userId} and f.confirmed_at is not null)`.as('has_factor'),
        sql<boolean>`exists(select 1 from mfa_factors f where f.user_id = ${userId} and f.confirmed_at is not null and f.phishing_resistant)`.as('has_pr_factor'),
      ])
      .where('o.slug', '=', slug)
      .executeTakeFirst();
    if (!row) return undefined;
    const { role, state, pending_since, reinstate_until, last_reminded_at, rejoin_mailed_at, member_since, has_factor, has_pr_factor, ...org } = row;
    return {
      org,
      membership:
        role && state && member_since
          ? { org_id: org.id, user_id: userId, role, state, pending_since, reinstate_until, last_reminded_at, rejoin_mailed_at, created_at: member_since }
          : null,
      hasFactor: has_factor,
      hasPhishingResistantFactor: has_pr_factor,
    };
  }

  /** The caller's organizations with what the list needs to show their standing in each. */
  listForUser(userId: string): Promise<(OrgRow & { role: Role; state: 'active' | 'pending'; reinstate_until: Date | null })[]> {
    return this.#db
      .selectFrom('memberships as m')
      .innerJoin('orgs as o', 'o.id', 'm.org_id')
      .selectAll('o')
      .select(['m.role', 'm.state', 'm.reinstate_until'])
      .where('m.user_id', '=', userId)
      .orderBy('o.slug')
      .execute();
  }

  members(orgId: string, filter: { state?: 'active' | 'pending'; userIds?: readonly string[] } = {}): Promise<MemberRow[]> {
    let query = this.#db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoinLateral(factorAggregate.as('f'), (join) => join.onTrue())
      .select(['m.user_id', 'u.email', 'u.name', 'm.role', 'm.state', 'm.pending_since', 'm.reinstate_until', 'm.last_reminded_at', 'm.created_at', 'f.factor_types', 'f.has_pr_factor'])
      .where('m.org_id', '=', orgId);
    if (filter.state) query = query.where('m.state', '=', filter.state);
    if (filter.userIds) {
      if (filter.userIds.length === 0) return Promise.resolve([]);
      query = query.where('m.user_id', 'in', filter.userIds);
    }
    return query.orderBy('u.email').execute();
  }

  membership(orgId: string, userId: string): Promise<MembershipRow | undefined> {
    return this.#db.selectFrom('memberships').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  }

  async insertMembership(row: { orgId: string; userId: string; role: Role; now: Date }): Promise<void> {
    await this.#db
      .insertInto('memberships')
      .values({ org_id: row.orgId, user_id: row.userId, role: row.role, state: 'active', pending_since: null, reinstate_until: null, last_reminded_at: null, created_at: row.now })
      .execute();
  }

  /** Re-activates a row that exists (an expired pending member who was invited again). */
  async activateMembership(orgId: string, userId: string, role: Role): Promise<void> {
    await this.#db
      .updateTable('memberships')
      .set({ role, state: 'active', pending_since: null, reinstate_until: null })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .execute();
  }

  async setRole(orgId: string, userId: string, role: Role): Promise<void> {
    await this.#db.updateTable('memberships').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  }

  /** Moves members to pending; their role stays on the row, which is what reinstatement restores. */
  async setPending(orgId: string, userIds: readonly string[], pendingSince: Date, reinstateUntil: Date): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.#db
      .updateTable('memberships')
      .set({ state: 'pending', pending_since: pendingSince, reinstate_until: reinstateUntil })
      .where('org_id', '=', orgId)
      .where('user_id', 'in', userIds)
      .where('state', '=', 'active')
      .returning('user_id')
      .execute();
    return rows.map((row) => row.user_id);
  }

  async deleteMembership(orgId: string, userId: string): Promise<void> {
    await this.#db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  }

  async setReminded(orgId: string, userIds: readonly string[], now: Date): Promise<void> {
    if (userIds.length === 0) return;
    await this.#db.updateTable('memberships').set({ last_reminded_at: now }).where('org_id', '=', orgId).where('user_id', 'in', userIds).execute();
  }

  async activeOwnerIds(orgId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('memberships')
      .select('user_id')
      .where('org_id', '=', orgId)
      .where('role', '=', 'owner')
      .where('state', '=', 'active')
      .execute();
    return rows.map((row) => row.user_id);
  }

  /** Organizations requiring MFA where the user holds a live membership (active, or pending within its window). */
  mfaOrgsOfUser(userId: string, now: Date): Promise<(OrgRow & { role: Role; state: 'active' | 'pending' })[]> {
    return this.#db
      .selectFrom('memberships as m')
      .innerJoin('orgs as o', 'o.id', 'm.org_id')
      .selectAll('o')
      .select(['m.role', 'm.state'])
      .where('m.user_id', '=', userId)
      .where('o.mfa_required', '=', true)
      .where((eb) => eb.or([eb('m.state', '=', 'active'), eb('m.reinstate_until', '>', now)]))
      .orderBy('o.slug')
      .execute();
  }

  /** Every live membership of a user: where their factor events are recorded. */
  async orgIdsOfUser(userId: string, now: Date): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('memberships')
      .select('org_id')
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('state', '=', 'active'), eb('reinstate_until', '>', now)]))
      .execute();
    return rows.map((row) => row.org_id);
  }

  // --- Enforcement (appended) ---

  async countActive(orgId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .where('state', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Active members without a confirmed factor that counts under `requiredFactor`, in one
   * anti-join: an organization of 100,000 members is answered without a round trip per member.
   */
  noncompliantActive(orgId: string, requiredFactor: RequiredFactor): Promise<{ user_id: string; email: string; role: Role }[]> {
    return this.#db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.email', 'm.role'])
      .where('m.org_id', '=', orgId)
      .where('m.state', '=', 'active')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('mfa_factors as f')
              .select('f.id')
              .whereRef('f.user_id', '=', 'm.user_id')
              .where('f.confirmed_at', 'is not', null)
              .$if(requiredFactor === 'phishing_resistant', (query) => query.where('f.phishing_resistant', '=', true)),
          ),
        ),
      )
      .orderBy('u.email')
      .execute();
  }

  /**
   * Stamps the reminder time on active members not reminded since `remindedBefore`, returning
   * those stamped. The condition is evaluated by the database on the locked row, so of two
   * concurrent reminder requests only one stamps (and mails) a given member.
   */
  /** The rejoin mail may go again to this pending member: claimed by one conditional update. */
  async claimRejoinMail(orgId: string, userId: string, now: Date, mailedBefore: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('memberships')
      .set({ rejoin_mailed_at: now })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('rejoin_mailed_at', 'is', null), eb('rejoin_mailed_at', '<=', mailedBefore)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async claimReminders(orgId: string, userIds: readonly string[], now: Date, remindedBefore: Date): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.#db
      .updateTable('memberships')
      .set({ last_reminded_at: now })
      .where('org_id', '=', orgId)
      .where('user_id', 'in', userIds)
      .where('state', '=', 'active')
      .where((eb) => eb.or([eb('last_reminded_at', 'is', null), eb('last_reminded_at', '<=', remindedBefore)]))
      .returning('user_id')
      .execute();
    return rows.map((row) => row.user_id);
  }

  /**
   * Organizations with non-compliant active members due to move to pending (past any grace
   * deadline). Only those with work to do are returned, so a sweep opens no transaction for a
   * compliant organization. With `deadlinesAfter`, only organizations whose grace deadline fell in
   * (deadlinesAfter, now] are looked at: proving that a large organization complies costs a scan
   * of its members, which a frequent sweep should not repeat for deadlines it has already handled.
   */
  dueForPendingSweep(now: Date, options: { deadlinesAfter?: Date } = {}): Promise<OrgRow[]> {
    let query = this.#db
      .selectFrom('orgs as o')
      .selectAll('o')
      .where('o.mfa_required', '=', true)
      .where('o.noncompliant_action', 'in', ['remove', 'refuse']);
    query = options.deadlinesAfter
      ? query.where('o.grace_period_ends_at', '>', options.deadlinesAfter).where('o.grace_period_ends_at', '<=', now)
      : query.where((eb) => eb.or([eb('o.grace_period_ends_at', 'is', null), eb('o.grace_period_ends_at', '<=', now)]));
    return query
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('memberships as m')
            .select('m.user_id')
            .whereRef('m.org_id', '=', 'o.id')
            .where('m.state', '=', 'active')
            .where(sql<boolean>`not exists (
              select 1 from mfa_factors f
              where f.user_id = m.user_id and f.confirmed_at is not null
                and (o.required_factor = 'any' or f.phishing_resistant)
            )`),
        ),
      )
      .orderBy('o.id')
      .execute();
  }

  /** Returns a pending member to active with the role kept on the row, if still within the window. */
  async reinstate(orgId: string, userId: string, now: Date): Promise<Role | undefined> {
    const row = await this.#db
      .updateTable('memberships')
      .set({ state: 'active', pending_since: null, reinstate_until: null })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .where('state', '=', 'pending')
      .where('reinstate_until', '>', now)
      .returning('role')
      .executeTakeFirst();
    return row?.role;
  }

  /**
   * `setPending` that also returns who was moved with their email and role, in the same statement:
   * moving 30,000 members then takes a few round trips (see moveToPending), not one per member.
   */
  async setPendingReturning(orgId: string, userIds: readonly string[], pendingSince: Date, reinstateUntil: Date): Promise<{ user_id: string; email: string; role: Role }[]> {
    if (userIds.length === 0) return [];
    return this.#db
      .updateTable('memberships as m')
      .from('users as u')
      .set({ state: 'pending', pending_since: pendingSince, reinstate_until: reinstateUntil })
      .whereRef('u.id', '=', 'm.user_id')
      .where('m.org_id', '=', orgId)
      // One array parameter instead of a list of placeholders: the statement is the same whatever the count.
      .where(sql<boolean>`m.user_id = any(${[...userIds]}::text[])`)
      .where('m.state', '=', 'active')
      .returning(['m.user_id', 'u.email', 'm.role'])
      .execute();
  }

  /**
   * `claimReminders` for every non-compliant active member at once (a bulk reminder without ids):
   * one set-based statement, returning who was stamped and where to mail them.
   */
  async claimNoncompliantReminders(orgId: string, requiredFactor: RequiredFactor, now: Date, remindedBefore: Date): Promise<{ user_id: string; email: string }[]> {
    return this.#db
      .updateTable('memberships as m')
      .from('users as u')
      .set({ last_reminded_at: now })
      .whereRef('u.id', '=', 'm.user_id')
      .where('m.org_id', '=', orgId)
      .where('m.state', '=', 'active')
      .where((eb) => eb.or([eb('m.last_reminded_at', 'is', null), eb('m.last_reminded_at', '<=', remindedBefore)]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('mfa_factors as f')
              .select('f.id')
              .whereRef('f.user_id', '=', 'm.user_id')
              .where('f.confirmed_at', 'is not', null)
              .$if(requiredFactor === 'phishing_resistant', (query) => query.where('f.phishing_resistant', '=', true)),
          ),
        ),
      )
      .returning(['m.user_id', 'u.email'])
      .execute();
  }
}
