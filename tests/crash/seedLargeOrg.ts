import type { Kysely } from 'kysely';
import { newId } from '../../src/core/ids.ts';
import type { Random } from '../../src/core/random.ts';
import type { Database, Role } from '../../src/db/schema.ts';

const BATCH = 1000;

/**
 * Adds `members` people to an organization straight in the database (the API would spend
 * argon2 time on each): a `withoutMfaShare` of them, evenly spread, has no factor, the others a confirmed TOTP
 * factor whose secret is never used. Returns the ids (and emails) of those without MFA.
 */
export async function seedLargeOrg(
  db: Kysely<Database>,
  options: { orgId: string; members: number; withoutMfaShare: number; random: Random; now: Date },
): Promise<{ withoutMfa: string[]; emails: Map<string, string> }> {
  const withoutMfa: string[] = [];
  const emails = new Map<string, string>();
  const roles: Role[] = ['member', 'member', 'member', 'manager', 'admin'];
  for (let start = 0; start < options.members; start += BATCH) {
    const people = Array.from({ length: Math.min(BATCH, options.members - start) }, (_, offset) => {
      const index = start + offset;
      // An even spread: person i lacks MFA when the running share falls behind the target.
      const lacksMfa = Math.floor((index + 1) * options.withoutMfaShare) > Math.floor(index * options.withoutMfaShare);
      return { id: newId(options.random, 'usr'), email: `crash-${index}-${newId(options.random, 'usr').slice(4, 10)}@example.test`, lacksMfa, role: roles[index % roles.length]! };
    });
    await db
      .insertInto('users')
      .values(people.map((person) => ({ id: person.id, email: person.email, name: null, password_hash: null, last_failed_at: null, created_at: options.now })))
      .execute();
    await db
      .insertInto('memberships')
      .values(
        people.map((person) => ({
          org_id: options.orgId,
          user_id: person.id,
          role: person.role,
          state: 'active' as const,
          pending_since: null,
          reinstate_until: null,
          last_reminded_at: null,
          created_at: options.now,
        })),
      )
      .execute();
    const factors = people.filter((person) => !person.lacksMfa);
    if (factors.length > 0) {
      await db
        .insertInto('mfa_factors')
        .values(
          factors.map((person) => ({
            id: newId(options.random, 'fac'),
            user_id: person.id,
            type: 'totp' as const,
            name: 'Authenticator app',
            // Never opened: these members only need to count as having MFA.
            secret_sealed: 'seeded-not-a-secret',
            confirmed_at: options.now,
            last_used_step: null,
            last_used_at: null,
            created_at: options.now,
            phishing_resistant: false,
            credential_id: null,
            public_key: null,
            sign_count: null,
            transports: null,
            backed_up: null,
            device_type: null,
          })),
        )
        .execute();
    }
    for (const person of people) {
      if (!person.lacksMfa) continue;
      withoutMfa.push(person.id);
      emails.set(person.id, person.email);
    }
  }
  return { withoutMfa, emails };
}
