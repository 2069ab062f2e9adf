import { Type } from 'typebox';
import { listAuditLog } from '../../app/audit/listAuditLog.ts';
import type { AppDeps } from '../../app/deps.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { errors, Id, Strict, Timestamp } from '../schemas.ts';
import { SlugParams } from './orgs.ts';

const AuditEventSchema = Type.Object({
  id: Type.String(),
  action: Type.String(),
  actor: Type.Union([Type.String(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  org: Type.Union([Type.String(), Type.Null()]),
  data: Type.Object({}, { additionalProperties: true }),
  created_at: Timestamp,
});

export function registerAuditRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/v1/orgs/:slug/audit-log',
    {
      schema: {
        tags: ['audit'],
        summary: "The organization's audit log, newest first (admins and owners)",
        params: SlugParams,
        // Query values arrive as strings (no type coercion), so numbers are digit patterns.
        querystring: Strict({
          action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          actor: Type.Optional(Id),
          target: Type.Optional(Id),
          since: Type.Optional(Type.String({ format: 'date-time' })),
          cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9]{2}|200)$', description: '1 to 200, default 50' })),
        }),
        response: { 200: Type.Object({ events: Type.Array(AuditEventSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errors(401, 403, 404) },
      },
    },
    async (request) => listAuditLog(deps, actorOf(request), request.params.slug, request.query),
  );
}
