/**
 * Threat: logs are shipped to aggregators, kept for months and read by people who may not read
 * the database; a token in a log line is a usable credential there. Rule: no password, session
 * or personal access token, invitation token, TOTP or recovery code, or single sign-on code or
 * state reaches the log — request lines carry the URL with its secrets redacted, and never
 * headers or bodies.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/http/redactUrl.ts';
import { call } from '../helpers/client.ts';
import { freshCode, mfaUser, PASSWORD, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createOrg, invite } from '../helpers/orgFlows.ts';

let h: Harness;
let log = '';
beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  h = await startHarness({ logger: pino({ level: 'trace' }, sink) });
});
afterAll(async () => {
  await h?.close();
});

describe('the request log', () => {
  it('holds none of the secrets of a day of use, but does log each request', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    const invitee = await signUp(h);
    const { token: invitation } = await invite(h, owner, slug, invitee.email, 'member');
    const secrets: string[] = [PASSWORD, owner.token, owner.totpSecret!, ...owner.recoveryCodes!, invitee.token, invitation];

    const accepted = await call(h, 'POST', `/v1/invitations/${invitation}/accept`, { token: invitee.token });
    expect(accepted.status, log.split('\n').filter((line) => line.includes('"level":50')).join('\n')).toBe(200);
    // The console page the invitation mail links to.
    await h.gatehouse.app.inject({ method: 'GET', url: `/invitations/${invitation}`, headers: { accept: 'text/html' } });
    const pending = (await call(h, 'POST', '/v1/sessions', { body: { email: owner.email, password: PASSWORD } })).body.token as string;
    const code = await freshCode(h, owner.totpSecret!);
    const step = await call(h, 'POST', '/v1/sessions/current/mfa', { token: pending, body: { type: 'totp', code } });
    const pat = (await call(h, 'POST', '/v1/me/tokens', { token: step.body.token, body: { name: 'ci' } })).body.token as string;
    await call(h, 'GET', '/v1/orgs', { token: pat });
    // Mistakes put secrets where they do not belong: in a query string, a wrong route, a bad body.
    await call(h, 'GET', `/v1/orgs?token=${pat}&access_token=${pat}`, { token: pat });
    await call(h, 'GET', `/v1/nowhere/${step.body.token}`);
    await call(h, 'POST', '/v1/users', { body: { email: 'not-an-email', password: PASSWORD, extra: pat } });
    await call(h, 'PUT', '/v1/me/password', { token: step.body.token, body: { current_password: 'wrong current one', new_password: 'the next passphrase' } });
    const ssoCode = 'oidc-authorization-code-0123456789';
    const ssoState = 'oidc-state-value-9876543210';
    await h.gatehouse.app.inject({ method: 'GET', url: `/v1/sso/callback?code=${ssoCode}&state=${ssoState}&iss=https%3A%2F%2Fidp.example` });
    secrets.push(pending, code, step.body.token, pat, ssoCode, ssoState, 'the next passphrase', 'wrong current one');

    expect(log).toContain('/v1/invitations/[redacted]/accept');
    expect(log).toContain('/v1/sso/callback?code=[redacted]&state=[redacted]&iss=');
    expect(log.split('\n').filter((line) => line.includes('incoming request')).length).toBeGreaterThan(10);
    for (const secret of secrets) expect(log, `a secret (${secret.slice(0, 6)}…) is in the log`).not.toContain(secret);
    expect(log.toLowerCase()).not.toContain('authorization');
    expect(log).not.toContain('x-csrf-token');
  });
});

describe('redactUrl', () => {
  it.each([
    ['/v1/invitations/ginv_abc/accept', '/v1/invitations/[redacted]/accept'],
    ['/invitations/anything-at-all', '/invitations/[redacted]'],
    ['/v1/orgs/acme/invitations/inv_123/resend', '/v1/orgs/acme/invitations/inv_123/resend'],
    ['/v1/sso/callback?state=s&code=c', '/v1/sso/callback?state=[redacted]&code=[redacted]'],
    ['/v1/x?Code=c&%63ode=d', '/v1/x?Code=[redacted]&%63ode=[redacted]'],
    ['/v1/orgs/acme/audit-log?action=org.edit&limit=5', '/v1/orgs/acme/audit-log?action=org.edit&limit=5'],
    ['/v1/x/gses_secret/y?q=gpat_secret', '/v1/x/[redacted]/y?q=[redacted]'],
    ['/v1/x?%zz=gpat_secret', '/v1/x?%zz=[redacted]'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
