import { normalizeEmail } from '../app/accounts/signUp.ts';
import type { Config } from '../config.ts';
import { newId } from '../core/ids.ts';
import { systemRandom } from '../core/random.ts';
import { openDatabase } from '../db/openDatabase.ts';
import { repos } from '../db/repos.ts';

/**
 * `gatehouse users unlock EMAIL`: an operator clears an account's failure counter after it hit
 * the 100-failure limit (or its delays). On the embedded database, stop the server first: the
 * data directory admits one process.
 */
export async function usersUnlock(config: Config, email: string): Promise<number> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const now = new Date();
    return await database.db.transaction().execute(async (trx) => {
      const r = repos(trx);
      const user = await r.users.byEmail(normalizeEmail(email));
      if (!user) {
        console.error(`gatehouse: no user with email ${email}`);
        return 1;
      }
      await r.users.resetFailures(user.id);
      await r.audit.insert([{ id: newId(systemRandom, 'evt'), orgId: null, action: 'user.unlock', actorId: null, targetId: user.id, data: { failed_attempts: user.failed_attempts }, now }]);
      console.log(`unlocked ${user.email} (had ${user.failed_attempts} consecutive failures)`);
      return 0;
    });
  } finally {
    await database.close();
  }
}
