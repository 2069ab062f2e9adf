import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { call, type Response } from '../helpers/client.ts';
import type { TestUser } from '../helpers/flows.ts';
import type { Harness } from '../helpers/harness.ts';
import type { IdpLogin, TestIdp } from './testIdp.ts';
import { SsoBrowser, type Visit } from './ssoBrowser.ts';

/** Shared steps of the single sign-on tests. */

/**
 * The IdP signs its tokens by the wall clock, but Gatehouse judges `auth_time` by its test clock,
 * which earlier tests have moved ahead: unless a test says otherwise, the sign-in happens "now"
 * on Gatehouse's clock, as it would with both clocks in sync.
 */
export function withAuthTime(h: Harness, login: IdpLogin): IdpLogin {
  return { ...login, authTime: login.authTime ?? Math.floor(h.gatehouse.deps.clock.now().getTime() / 1000) };
}

export const REDIRECT_URI = 'http://gatehouse.test/v1/sso/callback';

/** A domain of its own per test, so verified domains of one organization never cover another test's users. */
export function uniqueDomain(label = 'corp'): string {
  return `${label}-${randomBytes(4).toString('hex')}.test`;
}

export function uniqueSub(): string {
  return `sub-${randomBytes(8).toString('hex')}`;
}

export function putSso(h: Harness, actor: TestUser, slug: string, idp: TestIdp, options: Record<string, unknown> = {}): Promise<Response> {
  return call(h, 'PUT', `/v1/orgs/${slug}/sso`, {
    token: actor.token,
    body: { issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret, ...options },
  });
}

export async function configureSso(h: Harness, actor: TestUser, slug: string, idp: TestIdp, options: Record<string, unknown> = {}): Promise<void> {
  const put = await putSso(h, actor, slug, idp, options);
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}

export interface SsoSignIn {
  browser: SsoBrowser;
  /** Gatehouse's answer to the callback. */
  callback: Visit;
  /** The session token from the cookie the callback set (undefined when it set none). */
  token: string | undefined;
}

/** One browser's full round trip: Gatehouse → IdP (signing in `login`) → Gatehouse's callback. */
export async function ssoSignIn(h: Harness, idp: TestIdp, slug: string, login: IdpLogin, options: { redirect?: string } = {}): Promise<SsoSignIn> {
  idp.nextLogin(withAuthTime(h, login));
  const browser = new SsoBrowser(h);
  const callback = await browser.signIn(slug, options);
  return { browser, callback, token: browser.sessionToken };
}

export function problemCode(visit: Visit): string | undefined {
  try {
    return (JSON.parse(visit.body) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

export async function sessionOf(h: Harness, token: string): Promise<{ user: { id: string; email: string }; session: { aal: number; amr: string[]; mfa_pending: boolean } }> {
  const current = await call(h, 'GET', '/v1/sessions/current', { token });
  expect(current.status, JSON.stringify(current.body)).toBe(200);
  return current.body;
}

export async function access(h: Harness, token: string, slug: string): Promise<Response> {
  return call(h, 'GET', `/v1/orgs/${slug}/access`, { token });
}

/** Starts a login in `browser` and follows it through the IdP, stopping before Gatehouse's callback: returns the callback URL. */
export async function untilCallback(browser: SsoBrowser, slug: string): Promise<string> {
  let url = `http://gatehouse.test/v1/orgs/${slug}/sso/login`;
  for (let hop = 0; hop < 10; hop += 1) {
    const visit = await browser.visit(url);
    if (!visit.location) throw new Error(`no redirect from ${url}: ${visit.status} ${visit.body}`);
    url = new URL(visit.location, url).href;
    if (url.startsWith(REDIRECT_URI)) return url;
  }
  throw new Error('too many redirects');
}
