import { routeCatalog, fillPath, type RouteSpec } from '../fuzz/routeCatalog.ts';
import { call } from './client.ts';
import type { Harness } from './harness.ts';

/**
 * Proves "nothing else" for a restricted credential: every operation of the served OpenAPI
 * document that a user's credential may call is tried with it, and each must answer 403 with the
 * restriction's code — except the few listed as open to it, which are not called here (signing
 * out would end the credential) but must exist, so the list cannot go stale.
 */

/** Operations open to every restricted credential: the MFA step and reading or ending the current session. */
export const ALWAYS_OPEN = ['GET /v1/sessions/current', 'DELETE /v1/sessions/current', 'POST /v1/sessions/current/mfa', 'POST /v1/sessions/current/mfa/webauthn/options'];

const CSRF = 'csrf-sweep-token';

export interface Sweep {
  /** Operations tried: they answered the expected 403. */
  refused: string[];
  /** Operations that answered anything else, with what they answered. */
  answeredOtherwise: string[];
  /** Names in `open` that the document does not have. */
  unknownOpen: string[];
}

export async function sweepRestricted(
  h: Harness,
  credential: { token: string; via: 'bearer' | 'cookie' },
  expected: { code: string; extra?: Record<string, unknown> },
  open: readonly string[],
): Promise<Sweep> {
  const spec = (await call(h, 'GET', '/openapi.json')).body;
  const routes = routeCatalog(spec).filter((route: RouteSpec) => route.authenticated && route.userAuth);
  const name = (route: RouteSpec): string => `${route.method} ${route.path}`;
  const names = new Set(routes.map(name));
  const sweep: Sweep = { refused: [], answeredOtherwise: [], unknownOpen: open.filter((entry) => !names.has(entry)) };
  for (const route of routes) {
    if (open.includes(name(route))) continue;
    const url = fillPath(route, { slug: 'some-org', user_id: 'usr_x', factor_id: 'fac_x', token_id: 'pat_x', session_id: 'ses_x', id: 'x', token: 'ginv_x' });
    const hasBody = route.method !== 'GET' && route.method !== 'HEAD';
    const answer =
      credential.via === 'bearer'
        ? await call(h, route.method as 'GET', url, { token: credential.token, ...(hasBody ? { body: {} } : {}) })
        : await call(h, route.method as 'GET', url, {
            headers: { cookie: `gatehouse_session=${credential.token}; gatehouse_csrf=${CSRF}`, 'x-csrf-token': CSRF },
            ...(hasBody ? { body: {} } : {}),
          });
    const matches =
      answer.status === 403 &&
      answer.body?.code === expected.code &&
      Object.entries(expected.extra ?? {}).every(([key, value]) => answer.body?.[key] === value);
    if (matches) sweep.refused.push(name(route));
    else sweep.answeredOtherwise.push(`${name(route)} → ${answer.status} ${answer.body?.code ?? ''}`);
  }
  return sweep;
}
