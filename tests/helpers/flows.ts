import { totpCode } from '../../src/core/totp.ts';
import { call } from './client.ts';
import type { Harness } from './harness.ts';

let counter = 0;
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}

export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  id: string;
  email: string;
  token: string;
  totpSecret?: string;
  recoveryCodes?: string[];
}

export async function signUp(h: Harness, email = uniqueEmail()): Promise<TestUser> {
  const created = await call(h, 'POST', '/v1/users', { body: { email, password: PASSWORD } });
  if (created.status !== 201) throw new Error(`sign-up failed: ${created.status} ${JSON.stringify(created.body)}`);
  const session = await call(h, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } });
  return { id: created.body.user.id, email, token: session.body.token };
}

export function now(h: Harness): Date {
  return h.gatehouse.deps.clock.now();
}

/** A code for the next time step, so it never collides with one already used in this step. */
export async function freshCode(h: Harness, secret: string): Promise<string> {
  await h.advance(30);
  return totpCode({ secret, now: now(h) });
}

export async function enrollTotp(h: Harness, user: TestUser): Promise<TestUser> {
  const started = await call(h, 'POST', '/v1/me/mfa/totp', { token: user.token, body: {} });
  if (started.status !== 201) throw new Error(`enroll failed: ${started.status} ${JSON.stringify(started.body)}`);
  const confirmed = await call(h, 'POST', `/v1/me/mfa/totp/${started.body.factor_id}/confirm`, {
    token: user.token,
    body: { code: totpCode({ secret: started.body.secret, now: now(h) }) },
  });
  if (confirmed.status !== 200) throw new Error(`confirm failed: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return { ...user, token: confirmed.body.token, totpSecret: started.body.secret, recoveryCodes: confirmed.body.recovery_codes };
}

/** Signs in again with password and TOTP: a fresh aal-2 session. */
export async function signInWithMfa(h: Harness, user: TestUser): Promise<TestUser> {
  const pending = await call(h, 'POST', '/v1/sessions', { body: { email: user.email, password: PASSWORD } });
  const step = await call(h, 'POST', '/v1/sessions/current/mfa', {
    token: pending.body.token,
    body: { type: 'totp', code: await freshCode(h, user.totpSecret!) },
  });
  if (step.status !== 200) throw new Error(`mfa step failed: ${step.status} ${JSON.stringify(step.body)}`);
  return { ...user, token: step.body.token };
}

export async function mfaUser(h: Harness, email?: string): Promise<TestUser> {
  return enrollTotp(h, await signUp(h, email));
}
