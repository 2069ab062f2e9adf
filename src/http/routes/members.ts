import { Type } from 'typebox';
import type { AppDeps } from '../../app/deps.ts';
import { changeMemberRole } from '../../app/orgs/changeMemberRole.ts';
import { listMembers } from '../../app/orgs/listMembers.ts';
import { removeMember } from '../../app/orgs/removeMember.ts';
import { transferOwnership } from '../../app/orgs/transferOwnership.ts';
import { updateOrg } from '../../app/orgs/updateOrg.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { errors, Id, NoBody, NoContent, NullableTimestamp, RoleSchema, Slug, Strict } from '../schemas.ts';
import { OrgSchema, SlugParams } from './orgs.ts';

const tags = ['members'];
const MemberParams = Strict({ slug: Slug, user_id: Id });
const AuthMethod = Type.Union([Type.Literal('password'), Type.Literal('oidc')]);
export const MemberSchema = Type.Object({
  user_id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  state: Type.Union([Type.Literal('active'), Type.Literal('pending')]),
  mfa: Type.Object({ enabled: Type.Boolean(), factor_types: Type.Array(Type.String()) }),
  access: Type.Union([Type.Literal('ok'), Type.Literal('grace'), Type.Literal('blocked'), Type.Literal('none')]),
  reinstate_until: NullableTimestamp,
});

/** The organization's own settings, its members and its ownership (invitations: invitations.ts). */
export function registerMembersRoutes(app: App, deps: AppDeps): void {
  app.patch(
    '/v1/orgs/:slug',
    {
      schema: {
        tags: ['organizations'],
        summary: "Edit an organization's name or allowed sign-in methods (admins and owners)",
        params: SlugParams,
        body: Strict({
          // At least one non-space character: a name of blanks would be trimmed to nothing.
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })),
          allowed_auth_methods: Type.Optional(Type.Array(AuthMethod, { minItems: 1, uniqueItems: true })),
        }),
        response: { 200: Type.Object({ org: OrgSchema }), ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => ({ org: await updateOrg(deps, actorOf(request), request.params.slug, request.body) }),
  );

  app.get(
    '/v1/orgs/:slug/members',
    {
      schema: {
        tags,
        summary: 'Members, with their MFA status and standing (any member)',
        params: SlugParams,
        querystring: Strict({
          mfa: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
          state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('pending')])),
        }),
        response: { 200: Type.Object({ members: Type.Array(MemberSchema) }), ...errors(401, 403, 404) },
      },
    },
    async (request) => ({ members: await listMembers(deps, actorOf(request), request.params.slug, request.query) }),
  );

  app.patch(
    '/v1/orgs/:slug/members/:user_id',
    {
      schema: {
        tags,
        summary: "Change a member's role (managers and above, within their own rank)",
        params: MemberParams,
        body: Strict({ role: RoleSchema }),
        response: { 200: Type.Object({ member: MemberSchema }), ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => ({ member: await changeMemberRole(deps, actorOf(request), request.params.slug, request.params.user_id, request.body.role) }),
  );

  app.delete(
    '/v1/orgs/:slug/members/:user_id',
    {
      schema: {
        tags,
        summary: 'Remove a member (managers and above, within their rank), or leave (your own user id)',
        params: MemberParams,
        body: NoBody,
        response: { 204: NoContent, ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await removeMember(deps, actorOf(request), request.params.slug, request.params.user_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/orgs/:slug/ownership-transfer',
    {
      schema: {
        tags,
        summary: 'Hand ownership to an active member; the caller stays on as an admin (owners only)',
        params: SlugParams,
        body: Strict({ user_id: Id }),
        response: {
          200: Type.Object({ owner: Type.Object({ user_id: Type.String(), email: Type.String() }), previous_owner_role: Type.Literal('admin') }),
          ...errors(401, 403, 404, 409),
        },
      },
    },
    async (request) => transferOwnership(deps, actorOf(request), request.params.slug, request.body.user_id),
  );
}
