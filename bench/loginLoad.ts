import { totpCode } from '../src/core/totp.ts';
import { LOGIN_PASSWORD, type AccessSeed } from './seedAccess.ts';

export interface LoginResult {
  loginsPerSecond: number;
  logins: number;
  failures: number;
  usersLeft: number;
}

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: { token?: string } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { token?: string } };
}

/**
 * Complete sign-ins (password, then the TOTP step) by `concurrency` clients for a while. Each
 * user signs in once: a TOTP time step is accepted once per factor, so a second sign-in in the
 * same 30 s would be refused, and that is not what is measured here.
 */
export async function loginLoad(options: { url: string; users: AccessSeed['loginUsers']; concurrency: number; durationSeconds: number }): Promise<LoginResult> {
  const queue = [...options.users];
  let logins = 0;
  let failures = 0;
  const started = performance.now();
  const until = started + options.durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < until) {
        const user = queue.shift();
        if (!user) return;
        const signIn = await post(`${options.url}/v1/sessions`, { email: user.email, password: LOGIN_PASSWORD });
        const code = totpCode({ secret: user.totpSecret, now: new Date() });
        const step = signIn.body.token ? await post(`${options.url}/v1/sessions/current/mfa`, { type: 'totp', code }, signIn.body.token) : null;
        if (signIn.status === 201 && step?.status === 200) logins += 1;
        else failures += 1;
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  return { loginsPerSecond: logins / elapsedSeconds, logins, failures, usersLeft: queue.length };
}
