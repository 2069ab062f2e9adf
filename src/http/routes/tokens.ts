import { Type } from 'typebox';
import { createPersonalAccessToken, listPersonalAccessTokens, revokePersonalAccessToken } from '../../app/accounts/personalAccessTokens.ts';
import type { AppDeps } from '../../app/deps.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { errors, Id, NoBody, NoContent, NullableTimestamp, Strict, Timestamp } from '../schemas.ts';

const tags = ['tokens'];
const TokenSchema = Type.Object({ id: Type.String(), name: Type.String(), aal: Type.Integer(), created_at: Timestamp, expires_at: NullableTimestamp, last_used_at: NullableTimestamp });

export function registerTokenRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/v1/me/tokens',
    {
      schema: {
        tags,
        summary: 'Create a personal access token (shown once)',
        body: Strict({ name: Type.String({ minLength: 1, maxLength: 100 }), expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })) }),
        response: { 201: Type.Object({ id: Type.String(), token: Type.String(), expires_at: NullableTimestamp }), ...errors(401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await createPersonalAccessToken(deps, actorOf(request), request.body)),
  );
  app.get(
    '/v1/me/tokens',
    { schema: { tags, summary: 'List your personal access tokens', response: { 200: Type.Object({ tokens: Type.Array(TokenSchema) }), ...errors(401) } } },
    async (request) => ({ tokens: await listPersonalAccessTokens(deps, actorOf(request)) }),
  );
  app.delete(
    '/v1/me/tokens/:token_id',
    {
      schema: { tags, summary: 'Revoke a personal access token', params: Strict({ token_id: Id }), body: NoBody, response: { 204: NoContent, ...errors(401, 404) } },
    },
    async (request, reply) => {
      await revokePersonalAccessToken(deps, actorOf(request), request.params.token_id);
      return reply.code(204).send(null);
    },
  );
}
