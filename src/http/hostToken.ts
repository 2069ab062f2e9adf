import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatehouseError } from '../core/errors.ts';

/**
 * Checks the shared secret an SSH host sends to POST /v1/ssh/authorize. Without a configured
 * secret the endpoint does not exist (404): an unprotected oracle of live certificates is worse
 * than none. The comparison is over SHA-256 digests with timingSafeEqual, so neither the bytes
 * nor the length of the secret leak through response times.
 */
export function requireHostToken(configured: string | null, request: FastifyRequest): void {
  if (configured === null) throw new GatehouseError('not_found', 'no such resource');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1] || !timingSafeEqual(digest(match[1]), digest(configured))) {
    throw new GatehouseError('unauthenticated', 'this endpoint needs the host token (GATEHOUSE_SSH_AUTHORIZE_TOKEN)');
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
