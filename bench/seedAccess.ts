import { sql } from 'kysely';
import { addSeconds } from '../src/core/clock.ts';
import { newId } from '../src/core/ids.ts';
import { systemRandom } from '../src/core/random.ts';
import { hashToken, newToken } from '../src/core/tokens.ts';
import { generateTotpSecret } from '../src/core/totp.ts';
import { hashPassword } from '../src/crypto/passwordHash.ts';
import { sealSecret } from '../src/crypto/secretBox.ts';
import { repos, type Repos } from '../src/db/repos.ts';
import type { BenchDatabase } from './benchDatabase.ts';

export const ACCESS_ORG_SLUG = 'bench-access';
export const LOGIN_PASSWORD = 'bench-correct-horse-battery';

export interface AccessSeed {
  /** Session tokens (aal 2, after TOTP) of members of an enforcing organization. */
  tokens: string[];
  /** Users with a password and a confirmed TOTP factor, each good for one sign-in per time step. */
  loginUsers: { email: string; totpSecret: string }[];
}

async function totpUser(r: Repos, options: { email: string; passwordHash: string | null; secretKey: Uint8Array; now: Date }): Promise<{ userId: string; totpSecret: string }> {
  const userId = newId(systemRandom, 'usr');
  await r.users.insert({ id: userId, email: options.email, name: null, passwordHash: options.passwordHash, now: options.now });
  const factorId = newId(systemRandom, 'fac');
  const totpSecret = generateTotpSecret(systemRandom);
  await r.factors.insert({
    id: factorId,
    user_id: userId,
    type: 'totp',
    name: 'Authenticator app',
    // Bound to the factor id as the server expects (src/app/factors/verifySecondFactor.ts).
    secret_sealed: sealSecret({ key: options.secretKey, plaintext: totpSecret, random: systemRandom, associatedData: factorId }),
    confirmed_at: options.now,
    created_at: options.now,
    phishing_resistant: false,
    credential_id: null,
    public_key: null,
    sign_count: null,
    transports: null,
    backed_up: null,
    device_type: null,
  });
  return { userId, totpSecret };
}

/**
 * Seeds, through the db layer and before any server starts (PGlite admits one process):
 * an organization that enforces MFA (`block`) with `tokenCount` members holding aal-2 sessions
 * plus `fillerMembers` more, and `loginUsers` users with a password and TOTP.
 */
export async function seedAccess(
  database: BenchDatabase,
  options: { secretKey: Uint8Array; tokenCount: number; fillerMembers: number; loginUsers: number },
): Promise<AccessSeed> {
  const now = new Date();
  const passwordHash = await hashPassword(LOGIN_PASSWORD);
  const open = await database.open();
  try {
    return await open.db.transaction().execute(async (trx) => {
      const r = repos(trx);
      const orgId = newId(systemRandom, 'org');
      await r.orgs.insert({ id: orgId, slug: ACCESS_ORG_SLUG, name: 'Bench access', plan: 'team', now });
      const tokens: string[] = [];
      let ownerId: string | null = null;
      for (let index = 0; index < options.tokenCount; index += 1) {
        const { userId } = await totpUser(r, { email: `access${index}@bench.test`, passwordHash: null, secretKey: options.secretKey, now });
        ownerId ??= userId;
        await r.orgs.insertMembership({ orgId, userId, role: index === 0 ? 'owner' : 'member', now });
        const token = newToken(systemRandom, 'session');
        await r.credentials.insertSession({
          id: newId(systemRandom, 'ses'),
          tokenHash: hashToken(token),
          userId,
          aal: 2,
          amr: ['pwd', 'otp', 'mfa'],
          mfaPending: false,
          authenticatedAt: now,
          now,
          expiresAt: addSeconds(now, 12 * 3600),
        });
        tokens.push(token);
      }
      await r.orgs.update(orgId, { mfa_required: true, noncompliant_action: 'block', mfa_enabled_at: now, mfa_enabled_by: ownerId });
      // Other members, so that the organization is not trivially small.
      await sql`insert into users (id, email, name, password_hash, created_at)
        select 'usr_accfill' || g, 'filler' || g || '@bench.test', null, null, ${now} from generate_series(1, ${options.fillerMembers}::int) g`.execute(trx);
      await sql`insert into memberships (org_id, user_id, role, state, created_at)
        select ${orgId}, 'usr_accfill' || g, 'member', 'active', ${now} from generate_series(1, ${options.fillerMembers}::int) g`.execute(trx);

      const loginUsers: AccessSeed['loginUsers'] = [];
      for (let index = 0; index < options.loginUsers; index += 1) {
        const email = `login${index}@bench.test`;
        const { totpSecret } = await totpUser(r, { email, passwordHash, secretKey: options.secretKey, now });
        loginUsers.push({ email, totpSecret });
      }
      return { tokens, loginUsers };
    });
  } finally {
    await sql`analyze`.execute(open.db);
    await open.close();
  }
}
