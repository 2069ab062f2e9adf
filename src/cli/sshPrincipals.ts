import { readFileSync } from 'node:fs';
import { api, ApiError } from './api.ts';
import { parseCommandArgs, SLUG } from './args.ts';
import { clientSettings, DEFAULT_SERVER } from './clientSettings.ts';
import { CliFailure, EXIT_OK, reportFailure, UsageError } from './cliErrors.ts';
import type { ErrorContext } from './explainError.ts';

const USAGE =
  'gatehouse ssh principals [--server URL] [--token-file FILE] [--principal ORG] [--key-id ID] SERIAL [FINGERPRINT]\n' +
  '  sshd_config: AuthorizedPrincipalsCommand /usr/local/bin/gatehouse ssh principals --server URL --token-file FILE %s %f';
/** sshd waits for this command on every connection attempt: answer fast or not at all. */
const TIMEOUT_MS = 5000;

/**
 * `gatehouse ssh principals`, run by sshd as its AuthorizedPrincipalsCommand: prints the
 * principals the certificate with this serial may still use, one per line (its organization's
 * slug, or nothing). stdout carries nothing else: on any failure it stays empty, which sshd reads
 * as "no principals", so an unreachable server denies rather than admits. No database, no
 * prompts: one HTTP call with the host token.
 */
export async function sshPrincipals(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const context: ErrorContext = { server: DEFAULT_SERVER };
  try {
    const { values, positionals } = parseCommandArgs(
      argv,
      { server: { type: 'string' }, 'token-file': { type: 'string' }, principal: { type: 'string' }, 'key-id': { type: 'string' } },
      USAGE,
    );
    const [serial, fingerprint, ...rest] = positionals;
    if (serial === undefined || rest.length > 0) throw new UsageError(`usage: ${USAGE}`);
    // sshd passes %s as decimal; anything else is not a certificate (a plain key has no serial).
    if (!/^\d{1,20}$/.test(serial)) throw new UsageError(`"${serial}" is not a certificate serial`);
    if (values.principal !== undefined && !SLUG.test(values.principal)) throw new UsageError(`"${values.principal}" is not an organization slug`);
    const settings = clientSettings(env, { server: values.server });
    const server = settings.requestedServer ?? settings.configuredServer ?? DEFAULT_SERVER;
    context.server = server;
    const token = hostToken(values['token-file'], env);

    const answer = await authorize(server, token, {
      serial,
      ...(fingerprint !== undefined && fingerprint !== '' ? { fingerprint } : {}),
      ...(values['key-id'] !== undefined ? { key_id: values['key-id'] } : {}),
      ...(values.principal !== undefined ? { principal: values.principal } : {}),
    });
    const principals = answer.principals.filter((principal) => SLUG.test(principal));
    if (principals.length === 0) process.stderr.write(`gatehouse: certificate ${serial} refused (${answer.reason ?? 'no principals'})\n`);
    process.stdout.write(principals.map((principal) => `${principal}\n`).join(''));
    return EXIT_OK;
  } catch (error) {
    return reportFailure(error, context);
  }
}

async function authorize(server: string, token: string, body: Record<string, string>): Promise<{ principals: string[]; reason?: string }> {
  try {
    return await api<{ principals: string[]; reason?: string }>(server, 'POST', '/v1/ssh/authorize', { token, body, timeoutMs: TIMEOUT_MS });
  } catch (error) {
    // These two are about the host's setup, not a user's sign-in: say so in sshd's log.
    if (error instanceof ApiError && error.code === 'unauthenticated') throw new CliFailure(`${server} refused the host token: it must equal the server's GATEHOUSE_SSH_AUTHORIZE_TOKEN`);
    if (error instanceof ApiError && error.code === 'not_found') throw new CliFailure(`${server} does not answer SSH hosts: set GATEHOUSE_SSH_AUTHORIZE_TOKEN on the server`);
    throw error;
  }
}

/** `--token-file` (sshd runs this command with an empty environment), else GATEHOUSE_SSH_AUTHORIZE_TOKEN. */
function hostToken(tokenFile: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (tokenFile !== undefined) {
    let token: string;
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      throw new CliFailure(`cannot read the host token from ${tokenFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    if (token === '') throw new CliFailure(`${tokenFile} is empty: put the server's GATEHOUSE_SSH_AUTHORIZE_TOKEN in it`);
    return token;
  }
  const token = env.GATEHOUSE_SSH_AUTHORIZE_TOKEN;
  if (!token) throw new CliFailure('no host token: pass --token-file FILE or set GATEHOUSE_SSH_AUTHORIZE_TOKEN');
  return token;
}
