import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { base32 } from '../core/random.ts';
import type { Random } from '../core/random.ts';

/**
 * The console keeps its session in an HttpOnly cookie (script on the page can never read the
 * token) with SameSite=Lax, plus a double-submit CSRF cookie the console echoes in a header.
 * Behind HTTPS the `__Host-` prefix pins the cookie to this exact origin.
 */
export function cookieNames(config: Config): { session: string; csrf: string; secure: boolean } {
  const secure = config.publicUrl.startsWith('https://');
  return { session: secure ? '__Host-gatehouse_session' : 'gatehouse_session', csrf: secure ? '__Host-gatehouse_csrf' : 'gatehouse_csrf', secure };
}

export function wantsConsoleCookies(request: FastifyRequest): boolean {
  return request.headers['x-gatehouse-console'] === '1';
}

export function setSessionCookies(reply: FastifyReply, config: Config, random: Random, token: string, expiresAt: Date): void {
  const names = cookieNames(config);
  const common = { path: '/', sameSite: 'lax' as const, secure: names.secure, expires: expiresAt };
  reply.setCookie(names.session, token, { ...common, httpOnly: true });
  reply.setCookie(names.csrf, base32(random.bytes(20)), { ...common, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply, config: Config): void {
  const names = cookieNames(config);
  reply.clearCookie(names.session, { path: '/', secure: names.secure });
  reply.clearCookie(names.csrf, { path: '/', secure: names.secure });
}
