import { Type } from 'typebox';
import type { AppDeps } from '../../app/deps.ts';
import { checkAccess } from '../../app/orgs/checkAccess.ts';
import { createOrg } from '../../app/orgs/createOrg.ts';
import { enterOrg } from '../../app/orgs/enterOrg.ts';
import { listMyOrgs } from '../../app/orgs/listMyOrgs.ts';
import { publicOrg } from '../../app/orgs/publicOrg.ts';
import { repos } from '../../db/repos.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { errors, NullableTimestamp, Slug, Strict, Timestamp } from '../schemas.ts';

const tags = ['organizations'];
export const SlugParams = Strict({ slug: Slug });
export const OrgSchema = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  plan: Type.String(),
  allowed_auth_methods: Type.Array(Type.String()),
  mfa_required: Type.Boolean(),
  noncompliant_action: Type.String(),
  required_factor: Type.String(),
  grace_period_ends_at: NullableTimestamp,
  created_at: Timestamp,
});
const Access = Type.Union([Type.Literal('ok'), Type.Literal('grace'), Type.Literal('blocked'), Type.Literal('none')]);

export function registerOrgRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/v1/orgs',
    {
      schema: {
        tags,
        summary: 'Create an organization (the caller becomes its owner)',
        body: Strict({ slug: Slug, name: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 201: Type.Object({ org: OrgSchema }), ...errors(401, 409) },
      },
    },
    async (request, reply) => reply.code(201).send({ org: await createOrg(deps, actorOf(request), request.body) }),
  );

  app.get(
    '/v1/orgs',
    {
      schema: {
        tags,
        summary: "The caller's organizations, with their standing in each",
        response: {
          200: Type.Object({
            orgs: Type.Array(
              Type.Object({
                slug: Type.String(),
                name: Type.String(),
                role: Type.String(),
                state: Type.String(),
                access: Access,
                mfa_required: Type.Boolean(),
                reinstate_until: NullableTimestamp,
              }),
            ),
          }),
          ...errors(401),
        },
      },
    },
    async (request) => ({ orgs: await listMyOrgs(deps, actorOf(request)) }),
  );

  app.get(
    '/v1/orgs/:slug',
    { schema: { tags, summary: 'An organization', params: SlugParams, response: { 200: Type.Object({ org: OrgSchema }), ...errors(401, 403, 404) } } },
    async (request) => {
      const entry = await enterOrg(deps, repos(deps.db), actorOf(request), request.params.slug, deps.clock.now());
      return { org: publicOrg(entry.org) };
    },
  );

  app.get(
    '/v1/orgs/:slug/access',
    {
      schema: {
        tags,
        summary: 'The access decision for the caller, answered instead of enforced',
        params: SlugParams,
        querystring: Strict({ channel: Type.Optional(Type.Union([Type.Literal('console'), Type.Literal('api'), Type.Literal('ssh'), Type.Literal('git')])) }),
        response: {
          200: Type.Object({
            allowed: Type.Boolean(),
            code: Type.Optional(Type.String()),
            role: Type.Optional(Type.String()),
            aal: Type.Integer(),
            deadline: Type.Optional(Timestamp),
            reinstate_until: Type.Optional(Timestamp),
          }),
          ...errors(401, 404),
        },
      },
    },
    async (request) => checkAccess(deps, actorOf(request), request.params.slug, request.query.channel ?? actorOf(request).channel),
  );
}
