import { normalizeEmail } from '../app/accounts/signUp.ts';
import type { Config } from '../config.ts';
import { newId } from '../core/ids.ts';
import { systemRandom } from '../core/random.ts';
import { openDatabase } from '../db/openDatabase.ts';
import { repos } from '../db/repos.ts';
import { EXIT_OK, EXIT_REFUSED, EXIT_USAGE } from './cliErrors.ts';

export const USERS_SIGN_OUT_USAGE = 'gatehouse users sign-out EMAIL | --all';

/**
 * `gatehouse users sign-out EMAIL`: an operator ends every session of one account and revokes its
 * personal access tokens (a compromised account: nothing the attacker holds keeps working).
 * `--all` ends every session of every user (tokens stay: they are not sessions, and revoking
 * everyone's automation is a different decision). ASVS 5.0 7.4.5. Audited as the operator (no actor).
 */
export async function usersSignOut(config: Config, argv: readonly string[]): Promise<number> {
  const [target, ...rest] = argv;
  if (target === undefined || rest.length > 0 || (target.startsWith('-') && target !== '--all')) {
    process.stderr.write(`gatehouse: usage: ${USERS_SIGN_OUT_USAGE}\n`);
    return EXIT_USAGE;
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    const now = new Date();
    const code = await database.db.transaction().execute(async (trx) => {
      const r = repos(trx);
      const event = { id: newId(systemRandom, 'evt'), orgId: null, actorId: null, now };
      if (target === '--all') {
        const sessions = await r.credentials.revokeAllSessions(null, now);
        await r.audit.insert([{ ...event, action: 'instance.sessions_revoke', targetId: null, data: { sessions } }]);
        console.log(`ended ${sessions} session${sessions === 1 ? '' : 's'} of all users`);
        return EXIT_OK;
      }
      const user = await r.users.byEmail(normalizeEmail(target));
      if (!user) {
        process.stderr.write(`gatehouse: no user with email ${target}\n`);
        return EXIT_REFUSED;
      }
      const sessions = await r.credentials.revokeAllSessions(user.id, now);
      const tokens = await r.credentials.revokeAllPats(user.id, now);
      await r.audit.insert([{ ...event, action: 'user.sessions_revoke', targetId: user.id, data: { sessions, tokens } }]);
      console.log(`signed out ${user.email}: ended ${sessions} session${sessions === 1 ? '' : 's'}, revoked ${tokens} personal access token${tokens === 1 ? '' : 's'}`);
      return EXIT_OK;
    });
    // With PostgreSQL, the command ends only once every running instance's access cache has
    // dropped what it revoked (src/db/accessBarrier.ts): when it returns, no instance admits them.
    if (code === EXIT_OK) await database.accessBarrier?.settle();
    return code;
  } finally {
    await database.close();
  }
}
