/**
 * `gatehouse users password-compromised EMAIL`, as an operator runs it: a subprocess against the
 * database a server wrote (the server stops first: the embedded database admits one process).
 * It ends the user's sessions and tokens at once, audits as the operator, queues the mail in the
 * outbox for the server to deliver, and the user's next password sign-in must change the password.
 * (The behaviour itself, in process: tests/security/forced-password-change.test.ts.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../src/compose.ts';
import { parseConfig } from '../../src/config.ts';
import { call } from '../helpers/client.ts';
import { PASSWORD, signUp } from '../helpers/flows.ts';
import { memoryTransport, type Harness } from '../helpers/harness.ts';
import { createFreshDatabase, testDatabaseServerUrl } from '../helpers/testDatabase.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-compromised-'));
let fresh: { url: string; drop: () => Promise<void> } | null = null;
let env: Record<string, string>;

function gatehouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The server, for a while: it stops before the CLI runs. */
async function withServer<T>(work: (h: Harness) => Promise<T>): Promise<T> {
  const config = parseConfig({ ...env, GATEHOUSE_TEST_CLOCK: '1', GATEHOUSE_PUBLIC_URL: 'http://gatehouse.test' });
  const mail: Harness['mail'] = [];
  const instance: Gatehouse = await createGatehouse(config, { logger: pino({ level: 'silent' }), transport: memoryTransport(mail), startJobs: false });
  const h: Harness = { gatehouse: instance, mail, databaseUrl: config.databaseUrl ?? '', advance: async () => {}, close: () => instance.close() };
  try {
    return await work(h);
  } finally {
    await instance.close();
  }
}

beforeAll(async () => {
  const serverUrl = testDatabaseServerUrl();
  fresh = serverUrl ? await createFreshDatabase(serverUrl) : null;
  env = { GATEHOUSE_DATA_DIR: dataDir, ...(fresh ? { DATABASE_URL: fresh.url } : {}) };
});
afterAll(async () => {
  await fresh?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const works = async (h: Harness, token: string): Promise<boolean> => (await call(h, 'GET', '/v1/orgs', { token })).status === 200;

it('marks the password: sessions and tokens end, audited as the operator, mail queued; the next sign-in must change the password', async () => {
  const { target, bystander } = await withServer(async (h) => {
    const target = await signUp(h);
    const second = (await call(h, 'POST', '/v1/sessions', { body: { email: target.email, password: PASSWORD } })).body.token as string;
    const pat = (await call(h, 'POST', '/v1/me/tokens', { token: target.token, body: { name: 'ci' } })).body.token as string;
    return { target: { ...target, second, pat }, bystander: await signUp(h) };
  });
  const run = await gatehouse(['users', 'password-compromised', target.email.toUpperCase()]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain('ended 2 sessions');
  expect(run.stdout).toContain('revoked 1 personal access token');

  await withServer(async (h) => {
    for (const token of [target.token, target.second, target.pat]) expect(await works(h, token)).toBe(false);
    expect(await works(h, bystander.token)).toBe(true);
    const event = await h.gatehouse.deps.db
      .selectFrom('audit_events')
      .select(['actor_id', 'data'])
      .where('target_id', '=', target.id)
      .where('action', '=', 'user.password_compromised')
      .executeTakeFirstOrThrow();
    expect(event).toEqual({ actor_id: null, data: { reason: 'operator', sessions: 2, tokens: 1, ssh_certificates: 0 } });
    // The command queued the mail in its transaction; the server's outbox worker delivers it.
    await h.gatehouse.jobs.run('outbox');
    expect(h.mail.filter((mail) => mail.to === target.email && mail.subject === 'Change your Gatehouse password')).toHaveLength(1);
    const signIn = await call(h, 'POST', '/v1/sessions', { body: { email: target.email, password: PASSWORD } });
    expect(signIn.body.session.restriction).toEqual({ code: 'password_change_required', reason: 'operator' });
  });
}, 120_000);

it('an unknown email or an account without a password exits 1; a wrong form exits 2', async () => {
  const ssoOnly = await withServer(async (h) => {
    const user = await signUp(h);
    await h.gatehouse.deps.db.updateTable('users').set({ password_hash: null }).where('id', '=', user.id).execute();
    return user;
  });
  expect((await gatehouse(['users', 'password-compromised', 'nobody@example.test'])).code).toBe(1);
  const noPassword = await gatehouse(['users', 'password-compromised', ssoOnly.email]);
  expect(noPassword.code).toBe(1);
  expect(noPassword.stderr).toContain('users sign-out');
  expect((await gatehouse(['users', 'password-compromised'])).code).toBe(2);
  expect((await gatehouse(['users', 'password-compromised', '--all'])).code).toBe(2);
  expect((await gatehouse(['users', 'password-compromised', 'a@example.test', 'b@example.test'])).code).toBe(2);
}, 120_000);
