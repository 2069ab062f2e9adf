import { markPasswordCompromised } from '../app/accounts/markPasswordCompromised.ts';
import type { Config } from '../config.ts';
import { systemClock } from '../core/clock.ts';
import { systemRandom } from '../core/random.ts';
import { openDatabase } from '../db/openDatabase.ts';
import { EXIT_OK, EXIT_REFUSED, EXIT_USAGE } from './cliErrors.ts';

export const USERS_PASSWORD_COMPROMISED_USAGE = 'gatehouse users password-compromised EMAIL';

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/**
 * `gatehouse users password-compromised EMAIL`: see src/app/accounts/markPasswordCompromised.ts.
 * The mail waits in the outbox for a running server to deliver it. On the embedded database, stop
 * the server first: the data directory admits one process.
 */
export async function usersPasswordCompromised(config: Config, argv: readonly string[]): Promise<number> {
  const [email, ...rest] = argv;
  if (email === undefined || rest.length > 0 || email.startsWith('-')) {
    process.stderr.write(`gatehouse: usage: ${USERS_PASSWORD_COMPROMISED_USAGE}\n`);
    return EXIT_USAGE;
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    // The server's outbox worker delivers the mail: nothing to wake in this process.
    const marked = await markPasswordCompromised({ db: database.db, clock: systemClock, random: systemRandom, config, wakeOutbox: () => {} }, email);
    if (marked.outcome === 'no_such_user') {
      process.stderr.write(`gatehouse: no user with email ${email}\n`);
      return EXIT_REFUSED;
    }
    if (marked.outcome === 'no_password') {
      process.stderr.write(`gatehouse: ${email} has no password (single sign-on only): use gatehouse users sign-out ${email} to end their sessions\n`);
      return EXIT_REFUSED;
    }
    // With PostgreSQL, the command ends only once every running instance's access cache has
    // dropped what it revoked (src/db/accessBarrier.ts), as `users sign-out` does.
    await database.accessBarrier?.settle();
    console.log(
      `marked the password of ${marked.email} compromised: ended ${plural(marked.sessions, 'session')}, revoked ${plural(marked.tokens, 'personal access token')} and ${plural(marked.sshCertificates, 'SSH certificate')}; ` +
        'their next password sign-in can only change the password; a mail to them is in the outbox',
    );
    return EXIT_OK;
  } finally {
    await database.close();
  }
}
