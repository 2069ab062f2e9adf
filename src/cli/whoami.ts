import type { ErrorCode } from '../core/errors.ts';
import { api, ApiError } from './api.ts';
import { parseCommandArgs } from './args.ts';
import { clientSettings, DEFAULT_SERVER } from './clientSettings.ts';
import { EXIT_OK, reportFailure, UsageError } from './cliErrors.ts';
import { requireSession, type StoredCredentials } from './credentialsFile.ts';
import { explainError, type ErrorContext } from './explainError.ts';
import { shortTime } from './formatTime.ts';
import { listMyOrgs } from './myOrgs.ts';

const USAGE = 'gatehouse whoami [--server URL]';

interface CurrentSession {
  user: { id: string; email: string };
  session: { aal: number; amr: string[]; expires_at: string };
}

interface AccessAnswer {
  allowed: boolean;
  code?: string;
  deadline?: string;
  reinstate_until?: string;
}

/** `gatehouse whoami`: who this session is, what it proved, and where it may go over SSH. */
export async function whoami(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const context: ErrorContext = { server: DEFAULT_SERVER };
  try {
    const { values, positionals } = parseCommandArgs(argv, { server: { type: 'string' } }, USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
    const session = requireSession(clientSettings(env, { server: values.server }));
    context.server = session.server;
    const current = await api<CurrentSession>(session.server, 'GET', '/v1/sessions/current', { token: session.token });
    const { aal, amr, expires_at: expiresAt } = current.session;
    const proof = aal >= 2 ? `verified with two-factor authentication (aal ${aal})` : `password only (aal ${aal})`;
    const lines = [
      `${current.user.email} on ${session.server}`,
      `session: ${proof}${amr.length > 0 ? `, methods ${amr.join(', ')}` : ''}, expires ${shortTime(expiresAt)}`,
    ];
    const orgs = await listMyOrgs(session);
    lines.push(orgs.length === 0 ? 'organizations: none' : 'organizations (access over ssh with this session):');
    for (const org of orgs) lines.push(`  ${org.slug} (${org.role}): ${await describeAccess(session, org.slug)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return EXIT_OK;
  } catch (error) {
    return reportFailure(error, context);
  }
}

/** The decision for this session's credential (GET …/access answers it instead of refusing). */
async function describeAccess(session: StoredCredentials, slug: string): Promise<string> {
  let answer: AccessAnswer;
  try {
    answer = await api<AccessAnswer>(session.server, 'GET', `/v1/orgs/${encodeURIComponent(slug)}/access?channel=ssh`, { token: session.token });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found') return 'no longer a member';
    throw error;
  }
  if (answer.allowed) return answer.deadline ? `ok until ${shortTime(answer.deadline)}, then two-factor authentication is required` : 'ok';
  const refusal = new ApiError({ status: 403, code: (answer.code ?? 'forbidden') as ErrorCode, detail: '', extra: { reinstate_until: answer.reinstate_until } });
  return `refused: ${explainError(refusal, { server: session.server, org: slug })}`;
}
