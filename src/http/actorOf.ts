import type { FastifyRequest } from 'fastify';
import type { Actor } from '../app/deps.ts';
import { GatehouseError } from '../core/errors.ts';

/** The authenticated caller; routes with `auth: 'none'` never call this. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new GatehouseError('unauthenticated', 'sign in first');
  return request.actor;
}
