import { join } from 'node:path';
import { api, ApiError } from './api.ts';
import { parseCommandArgs } from './args.ts';
import { clientSettings, DEFAULT_SERVER, expandHome } from './clientSettings.ts';
import { CliFailure, EXIT_OK, EXIT_REFUSED, reportFailure, UsageError } from './cliErrors.ts';
import { readCredentials, writeCredentials, type StoredCredentials } from './credentialsFile.ts';
import { explainError, type ErrorContext } from './explainError.ts';
import { listMyOrgs, standingProblem } from './myOrgs.ts';
import { stdinPrompter, type Prompter } from './prompter.ts';
import { refreshCertificates } from './refreshCertificates.ts';

const USAGE = 'gatehouse login [--server URL] [--email EMAIL] [-f] [--ssh-dir DIR]';
const MAX_CODE_ATTEMPTS = 3;

interface Issued {
  token: string;
  session: { aal: number; mfa_pending: boolean };
}

/**
 * `gatehouse login`: email, password, then the code prompt when the account has a second factor;
 * the session token is kept in credentials.json (0600). `-f` also re-issues the SSH certificates
 * of the user's keys, so what ssh presents was minted by the sign-in just verified.
 */
export async function login(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const context: ErrorContext = { server: DEFAULT_SERVER };
  const prompter = stdinPrompter();
  try {
    const { values, positionals } = parseCommandArgs(
      argv,
      { server: { type: 'string' }, email: { type: 'string' }, force: { type: 'boolean', short: 'f' }, 'ssh-dir': { type: 'string' } },
      USAGE,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
    const settings = clientSettings(env, { server: values.server });
    const previous = readCredentials(settings);
    const server = settings.requestedServer ?? previous?.server ?? settings.configuredServer ?? DEFAULT_SERVER;
    context.server = server;

    const email = values.email ?? (await prompter.ask('Email: '));
    if (!email) throw new CliFailure('no email given');
    const password = await prompter.ask('Password: ', { hidden: true });
    if (password === null) throw new CliFailure('no password given');

    let issued = await api<Issued>(server, 'POST', '/v1/sessions', { body: { email, password } });
    if (issued.session.mfa_pending) issued = await secondFactor(server, issued.token, prompter);
    prompter.close();

    const session: StoredCredentials = { server, token: issued.token, email };
    const path = writeCredentials(settings, session);
    // The session this login replaces is signed out, so an old token does not linger on the server.
    if (previous !== null && previous.server === server && previous.token !== session.token) {
      await api(server, 'DELETE', '/v1/sessions/current', { token: previous.token, timeoutMs: 5000 }).catch(() => undefined);
    }
    const verified = issued.session.aal >= 2 ? ' with two-factor authentication' : '';
    process.stdout.write(`Signed in to ${server} as ${email}${verified}. Credentials saved in ${path}.\n`);

    const orgs = await listMyOrgs(session);
    if (values.force !== true) {
      // Say now what would stop ssh, git or the API, rather than at the first refusal.
      for (const org of orgs) {
        const problem = standingProblem(org);
        if (problem !== null) process.stderr.write(`gatehouse: ${explainError(problem, { server, org: org.slug })}\n`);
      }
      return EXIT_OK;
    }
    const sshDir = values['ssh-dir'] !== undefined ? expandHome(values['ssh-dir'], settings.homeDir) : join(settings.homeDir, '.ssh');
    const { refused } = await refreshCertificates(session, { sshDir, configuredKeys: settings.sshKeys, orgs });
    return refused > 0 ? EXIT_REFUSED : EXIT_OK;
  } catch (error) {
    return reportFailure(error, context);
  } finally {
    prompter.close();
  }
}

/** The MFA step: a TOTP code or a recovery code, told apart by shape. A wrong code may be retried. */
async function secondFactor(server: string, pendingToken: string, prompter: Prompter): Promise<Issued> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await prompter.ask('Authentication code: ');
    if (answer === null) throw new CliFailure('no authentication code given: this account signs in with a second factor');
    const type = codeType(answer);
    try {
      if (type === null) {
        throw new ApiError({ status: 0, code: 'invalid_mfa_code', detail: 'not a code' });
      }
      return await api<Issued>(server, 'POST', '/v1/sessions/current/mfa', { token: pendingToken, body: { type, code: answer.trim() } });
    } catch (error) {
      // A failed attempt leaves the pending session usable (contract): ask again, a few times.
      if (!(error instanceof ApiError) || error.code !== 'invalid_mfa_code' || attempt >= MAX_CODE_ATTEMPTS) throw error;
      process.stderr.write(`gatehouse: ${explainError(error, { server })}\n`);
    }
  }
}

/**
 * Six digits: a TOTP code. Base32, dashes and spaces aside: a recovery code — 24 characters
 * (120 bits) as issued now, or 16 from sets made before codes grew, which still work.
 */
function codeType(answer: string): 'totp' | 'recovery_code' | null {
  if (/^\d{6}$/.test(answer.replace(/\s+/g, ''))) return 'totp';
  if (/^(?:[a-z2-7]{16}|[a-z2-7]{24})$/i.test(answer.replace(/[\s-]+/g, ''))) return 'recovery_code';
  return null;
}
