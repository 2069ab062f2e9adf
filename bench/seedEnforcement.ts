import { sql } from 'kysely';
import { addSeconds } from '../src/core/clock.ts';
import { newId } from '../src/core/ids.ts';
import { systemRandom } from '../src/core/random.ts';
import { hashToken, newToken } from '../src/core/tokens.ts';
import { repos } from '../src/db/repos.ts';
import type { BenchDatabase } from './benchDatabase.ts';

export const BIG_ORG_SLUG = 'bench-big';
export const BIG_ORG_ID = 'org_benchbig';
export const BIG_OWNER_ID = 'usr_big1';

export interface EnforcementSeed {
  ownerToken: string;
  members: number;
  lackingMfa: number;
}

/**
 * An organization of `members` members (member 1 is its owner) of whom 30% have no factor:
 * those whose number ends in 2, 5 or 8. Set-based SQL (generate_series), so 100,000 members
 * take seconds. The owner gets an aal-2 session to switch enforcement on.
 */
export async function seedEnforcement(database: BenchDatabase, options: { members: number }): Promise<EnforcementSeed> {
  const now = new Date();
  const open = await database.open();
  try {
    const ownerToken = await open.db.transaction().execute(async (trx) => {
      const r = repos(trx);
      await r.orgs.insert({ id: BIG_ORG_ID, slug: BIG_ORG_SLUG, name: 'Bench Big Org', plan: 'team', now });
      await sql`insert into users (id, email, name, password_hash, created_at)
        select 'usr_big' || g, 'member' || g || '@big.bench.test', 'Member ' || g, null, ${now}
        from generate_series(1, ${options.members}::int) g`.execute(trx);
      await sql`insert into memberships (org_id, user_id, role, state, created_at)
        select ${BIG_ORG_ID}, 'usr_big' || g, case when g = 1 then 'owner' else 'member' end, 'active', ${now}
        from generate_series(1, ${options.members}::int) g`.execute(trx);
      await sql`insert into mfa_factors (id, user_id, type, name, secret_sealed, confirmed_at, created_at)
        select 'fac_big' || g, 'usr_big' || g, 'totp', 'Authenticator app', 'v1.unused.unused', ${now}, ${now}
        from generate_series(1, ${options.members}::int) g where g % 10 not in (2, 5, 8)`.execute(trx);
      const token = newToken(systemRandom, 'session');
      await r.credentials.insertSession({
        id: newId(systemRandom, 'ses'),
        tokenHash: hashToken(token),
        userId: BIG_OWNER_ID,
        aal: 2,
        amr: ['pwd', 'otp', 'mfa'],
        mfaPending: false,
        authenticatedAt: now,
        now,
        expiresAt: addSeconds(now, 12 * 3600),
      });
      return token;
    });
    await sql`analyze`.execute(open.db);
    const lacking = await sql<{ n: number }>`select count(*)::int as n from memberships m
      where m.org_id = ${BIG_ORG_ID} and not exists (select 1 from mfa_factors f where f.user_id = m.user_id)`.execute(open.db);
    return { ownerToken, members: options.members, lackingMfa: lacking.rows[0]?.n ?? 0 };
  } finally {
    await open.close();
  }
}
