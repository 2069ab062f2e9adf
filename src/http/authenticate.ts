import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { credentialRestriction, restrictionError } from '../app/accounts/credentialRestriction.ts';
import type { Actor, AppDeps } from '../app/deps.ts';
import type { AccountRestriction } from '../core/accountRestriction.ts';
import { GatehouseError } from '../core/errors.ts';
import { hashToken, tokenKind } from '../core/tokens.ts';
import type { ResolvedCredential } from '../db/queries/credentials.ts';
import { repos } from '../db/repos.ts';
import { cookieNames } from './sessionCookies.ts';

/**
 * Who may call a route. `required`: a full credential. `enrollment_ok`: also one that the
 * instance's GATEHOUSE_REQUIRE_MFA holds back, so it can enroll its first factor.
 * `password_change_ok`: also one whose password must be changed, so it can change it.
 * `pending_ok`: also a session still in its MFA step, and any restricted one (the MFA step itself,
 * reading and ending the current session).
 */
export type AuthMode = 'none' | 'required' | 'enrollment_ok' | 'password_change_ok' | 'pending_ok';

const TOLERATED: Readonly<Record<Exclude<AuthMode, 'none' | 'pending_ok'>, readonly AccountRestriction['code'][]>> = {
  required: [],
  enrollment_ok: ['mfa_enrollment_required', 'mfa_step_up_required'],
  password_change_ok: ['password_change_required'],
};

/** Writes of last-seen times are skipped within this window: they are not worth a write per request. */
const TOUCH_INTERVAL_MS = 60_000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new GatehouseError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
  return match[1];
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Resolves the caller's credential; throws `unauthenticated` for anything missing, unknown, expired or revoked. */
export async function authenticate(deps: AppDeps, request: FastifyRequest, mode: AuthMode): Promise<Actor> {
  const names = cookieNames(deps.config);
  let token = bearerToken(request);
  const viaCookie = token === null;
  if (viaCookie) token = request.cookies?.[names.session] ?? null;
  if (!token) throw new GatehouseError('unauthenticated', 'sign in first');
  const kind = tokenKind(token);
  if (kind !== 'session' && kind !== 'pat') throw new GatehouseError('unauthenticated', 'unknown token');

  const now = deps.clock.now();
  const r = repos(deps.db);
  const hash = hashToken(token);
  const load = (): Promise<ResolvedCredential | undefined> =>
    kind === 'session' ? r.credentials.sessionByTokenHash(hash, now) : r.credentials.patByTokenHash(hash, now);
  // The cache drops a credential the moment its row changes (revocation, rotation, touch): src/db/accessCache.ts.
  const credential = deps.accessCache ? await deps.accessCache.credential(hash, load) : await load();
  if (!credential) throw new GatehouseError('unauthenticated', 'the token is unknown, expired or revoked');
  // The query checks expiry, but a cached credential was read earlier: check it against now too.
  if (credential.expiresAt && credential.expiresAt.getTime() <= now.getTime()) {
    throw new GatehouseError('unauthenticated', 'the token is unknown, expired or revoked');
  }

  if (credential.kind === 'session') {
    const idleMs = deps.config.sessionIdleSeconds * 1000;
    if (credential.lastSeenAt && now.getTime() - credential.lastSeenAt.getTime() > idleMs) {
      throw new GatehouseError('unauthenticated', 'the session timed out');
    }
    if (!credential.lastSeenAt || now.getTime() - credential.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      await r.credentials.touchSession(credential.id, now);
    }
  } else if (!credential.lastSeenAt || now.getTime() - credential.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await r.credentials.touchPat(credential.id, now);
  }

  // A cookie rides along with any cross-site form post; the CSRF header proves the console sent it.
  if (viaCookie && UNSAFE_METHODS.has(request.method)) {
    const header = request.headers['x-csrf-token'];
    const cookie = request.cookies?.[names.csrf];
    if (typeof header !== 'string' || !cookie || !sameSecret(header, cookie)) {
      throw new GatehouseError('forbidden', 'missing or wrong CSRF token');
    }
  }
  if (credential.mfaPending && mode !== 'pending_ok') {
    throw new GatehouseError('mfa_verification_required', 'complete the MFA step first');
  }
  if (mode !== 'pending_ok' && mode !== 'none') {
    // Outside what lifts it, a restricted credential gets nothing: not an organization, not a
    // token, not a list of sessions (src/core/accountRestriction.ts).
    const restriction = credentialRestriction(deps.config, credential);
    if (restriction && !TOLERATED[mode].includes(restriction.code)) throw restrictionError(restriction);
  }
  return { userId: credential.userId, email: credential.email, credential, channel: viaCookie ? 'console' : 'api' };
}
