import { Type } from 'typebox';
import { setPlan } from '../../app/admin/setPlan.ts';
import type { AppDeps } from '../../app/deps.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { errors, Strict } from '../schemas.ts';
import { OrgSchema, SlugParams } from './orgs.ts';

/** Operator endpoints: instance administrators only (GATEHOUSE_ADMIN_EMAILS), no membership needed. */
export function registerAdminRoutes(app: App, deps: AppDeps): void {
  app.put(
    '/v1/admin/orgs/:slug/plan',
    {
      schema: {
        tags: ['admin'],
        summary: "Set an organization's plan (instance administrators only)",
        params: SlugParams,
        body: Strict({ plan: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 200: Type.Object({ org: OrgSchema }), ...errors(401, 403, 404) },
      },
    },
    async (request) => ({ org: await setPlan(deps, actorOf(request), request.params.slug, request.body.plan) }),
  );
}
