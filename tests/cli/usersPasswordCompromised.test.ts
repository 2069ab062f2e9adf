/**
 * `gatehouse users password-compromised EMAIL`, as an operator runs it: a subprocess against the
 * database a server wrote (the server stops first: the embedded database admits one process).
 * It ends the user's sessions and tokens at once, audits as the operator, queues the mail in the
 * outbox for the server to deliver, and the user's next password sign-in must change the password.
 * (The behaviour itself, in process: tests/security/forced-password-change.test.ts.)
 */
import { expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { PASSWORD, signUp } from '../helpers/flows.ts';
import type { Harness } from '../helpers/harness.ts';
import { operatorWorld } from '../helpers/operatorWorld.ts';

const { gatehouse, withServer } = operatorWorld('compromised');

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
