import { api, ApiError } from './api.ts';
import { parseCommandArgs } from './args.ts';
import { clientSettings, DEFAULT_SERVER } from './clientSettings.ts';
import { EXIT_OK, reportFailure, UsageError } from './cliErrors.ts';
import { readCredentials, removeCredentials } from './credentialsFile.ts';
import type { ErrorContext } from './explainError.ts';

const USAGE = 'gatehouse logout';

/** `gatehouse logout`: ends the session on the server, then forgets the token. */
export async function logout(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const context: ErrorContext = { server: DEFAULT_SERVER };
  try {
    const { positionals } = parseCommandArgs(argv, {}, USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
    const settings = clientSettings(env, {});
    const stored = readCredentials(settings);
    if (stored === null) {
      process.stdout.write('Not signed in.\n');
      return EXIT_OK;
    }
    context.server = stored.server;
    try {
      await api(stored.server, 'DELETE', '/v1/sessions/current', { token: stored.token });
    } catch (error) {
      // Already expired or revoked: there is nothing left to end on the server.
      if (!(error instanceof ApiError) || error.code !== 'unauthenticated') {
        removeCredentials(settings);
        process.stderr.write('gatehouse: the token was removed from this computer, but the server did not confirm the sign-out; the session ends when it expires.\n');
        throw error;
      }
    }
    removeCredentials(settings);
    process.stdout.write(`Signed out of ${stored.server}.\n`);
    return EXIT_OK;
  } catch (error) {
    return reportFailure(error, context);
  }
}
