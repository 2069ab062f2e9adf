import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { totpCode } from '../../src/core/totp.ts';
import { PASSWORD, uniqueEmail } from './flows.ts';
import { http, startServerProcess, type ServerProcess } from './serverProcess.ts';
import { startSmtpSink, type SmtpSink } from './smtpSink.ts';
import { createFreshDatabase, testDatabaseServerUrl } from './testDatabase.ts';

/**
 * `gatehouse serve` as a real process for tests that drive it from outside (the CLI, sshd, git):
 * on a fresh PostgreSQL database when GATEHOUSE_TEST_DATABASE_URL is set, else on PGlite in a
 * temporary data directory; mail goes to an SMTP sink on loopback, where invitations are read.
 * Real time throughout (no test clock): certificates must be valid by sshd's clock too.
 */
/** For beforeAll hooks that start a live server: its start-up plus some setup. */
export const LIVE_SERVER_START_MS = 120_000;

export interface LiveServer {
  url: string;
  process: ServerProcess;
  smtp: SmtpSink;
  stop(): Promise<void>;
}

export async function startLiveServer(env: Record<string, string> = {}): Promise<LiveServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-live-'));
  const serverUrl = testDatabaseServerUrl();
  const fresh = serverUrl ? await createFreshDatabase(serverUrl) : null;
  const smtp = await startSmtpSink();
  let child: ServerProcess;
  try {
    // A fresh embedded database spends seconds in initdb, far more on a loaded machine.
    child = await startServerProcess(
      {
        GATEHOUSE_DATA_DIR: dataDir,
        SMTP_URL: smtp.url,
        ...(fresh ? { DATABASE_URL: fresh.url } : {}),
        ...env,
      },
      { timeoutMs: LIVE_SERVER_START_MS },
    );
  } catch (error) {
    await smtp.close();
    await fresh?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: child.url,
    process: child,
    smtp,
    async stop() {
      await child.stop();
      await smtp.close();
      await fresh?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface LiveUser {
  id: string;
  email: string;
  password: string;
  token: string;
  totpSecret?: string;
  recoveryCodes?: string[];
  /** The last TOTP time step the server accepted from this user: each code works once. */
  lastStep?: number;
}

async function ok(response: Promise<{ status: number; body: any }>, status: number, what: string): Promise<any> {
  const answer = await response;
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export async function liveSignUp(server: LiveServer, label = 'user'): Promise<LiveUser> {
  const email = uniqueEmail(label);
  const created = await ok(http(server.url, 'POST', '/v1/users', { body: { email, password: PASSWORD } }), 201, 'sign-up');
  const session = await ok(http(server.url, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } }), 201, 'sign-in');
  return { id: created.user.id, email, password: PASSWORD, token: session.token };
}

/**
 * A TOTP code the server will take: the current step, or the next one when the current was used
 * already (the server accepts ±1 step of drift), waiting for the clock only if both are used.
 */
export async function nextTotpCode(user: LiveUser): Promise<string> {
  if (!user.totpSecret) throw new Error(`${user.email} has no TOTP factor`);
  const stepNow = (): number => Math.floor(Date.now() / 30_000);
  const step = Math.max(stepNow(), (user.lastStep ?? -1) + 1);
  while (step > stepNow() + 1) await sleep(1000);
  user.lastStep = step;
  return totpCode({ secret: user.totpSecret, now: new Date(step * 30_000) });
}

export async function liveEnrollTotp(server: LiveServer, user: LiveUser): Promise<LiveUser> {
  const started = await ok(http(server.url, 'POST', '/v1/me/mfa/totp', { token: user.token, body: {} }), 201, 'enroll');
  user.totpSecret = started.secret;
  const confirmed = await ok(
    http(server.url, 'POST', `/v1/me/mfa/totp/${started.factor_id}/confirm`, { token: user.token, body: { code: await nextTotpCode(user) } }),
    200,
    'confirm',
  );
  user.token = confirmed.token;
  user.recoveryCodes = confirmed.recovery_codes;
  return user;
}

export async function liveMfaUser(server: LiveServer, label = 'mfa'): Promise<LiveUser> {
  return liveEnrollTotp(server, await liveSignUp(server, label));
}

export async function liveCreateOrg(server: LiveServer, owner: LiveUser, slug: string): Promise<string> {
  await ok(http(server.url, 'POST', '/v1/orgs', { token: owner.token, body: { slug, name: `Org ${slug}` } }), 201, 'create org');
  return slug;
}

/** Invites `member` and accepts with the token from the invitation mail, as a person would. */
export async function liveJoin(server: LiveServer, owner: LiveUser, slug: string, member: LiveUser, role = 'member'): Promise<void> {
  await ok(http(server.url, 'POST', `/v1/orgs/${slug}/invitations`, { token: owner.token, body: { email: member.email, role } }), 201, 'invite');
  const mail = await server.smtp.waitFor((message) => message.to.includes(member.email) && /\/invitations\/ginv_/.test(message.text));
  const token = /\/invitations\/(ginv_[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
  await ok(http(server.url, 'POST', `/v1/invitations/${token}/accept`, { token: member.token }), 200, 'accept');
}

export async function liveEnforce(server: LiveServer, owner: LiveUser, slug: string, action: 'block' | 'remove' | 'refuse'): Promise<any> {
  return ok(http(server.url, 'PUT', `/v1/orgs/${slug}/mfa-enforcement`, { token: owner.token, body: { confirm: 'ENFORCE', noncompliant_action: action } }), 200, 'enforce');
}
