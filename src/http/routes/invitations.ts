import { Type } from 'typebox';
import type { AppDeps } from '../../app/deps.ts';
import { acceptInvitation } from '../../app/orgs/acceptInvitation.ts';
import { inviteMember } from '../../app/orgs/inviteMember.ts';
import { listInvitations } from '../../app/orgs/listInvitations.ts';
import { resendInvitation } from '../../app/orgs/resendInvitation.ts';
import { revokeInvitation } from '../../app/orgs/revokeInvitation.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { Email, errors, Id, NoBody, NoContent, OrgRefSchema, RoleSchema, Slug, Strict, Timestamp } from '../schemas.ts';
import { SlugParams } from './orgs.ts';

const tags = ['invitations'];
const InvitationParams = Strict({ slug: Slug, invitation_id: Id });
const InvitationSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  invited_by: Type.String(),
  created_at: Timestamp,
  expires_at: Timestamp,
});

export function registerInvitationsRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/v1/orgs/:slug/invitations',
    {
      schema: {
        tags,
        summary: 'Invite someone by email (managers and above; not above your own role)',
        params: SlugParams,
        body: Strict({ email: Email, role: RoleSchema }),
        response: { 201: Type.Object({ invitation: InvitationSchema }), ...errors(401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => reply.code(201).send({ invitation: await inviteMember(deps, actorOf(request), request.params.slug, request.body) }),
  );

  app.get(
    '/v1/orgs/:slug/invitations',
    {
      schema: {
        tags,
        summary: 'Open invitations, expired ones included (managers and above)',
        params: SlugParams,
        response: { 200: Type.Object({ invitations: Type.Array(InvitationSchema) }), ...errors(401, 403, 404) },
      },
    },
    async (request) => ({ invitations: await listInvitations(deps, actorOf(request), request.params.slug) }),
  );

  app.post(
    '/v1/orgs/:slug/invitations/:invitation_id/resend',
    {
      schema: {
        tags,
        summary: 'Send an invitation again with a new link and expiry (the old link stops working)',
        params: InvitationParams,
        body: NoBody,
        response: { 200: Type.Object({ invitation: InvitationSchema }), ...errors(401, 403, 404, 429) },
      },
    },
    async (request) => ({ invitation: await resendInvitation(deps, actorOf(request), request.params.slug, request.params.invitation_id) }),
  );

  app.delete(
    '/v1/orgs/:slug/invitations/:invitation_id',
    {
      schema: { tags, summary: 'Revoke an open invitation', params: InvitationParams, body: NoBody, response: { 204: NoContent, ...errors(401, 403, 404) } },
    },
    async (request, reply) => {
      await revokeInvitation(deps, actorOf(request), request.params.slug, request.params.invitation_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/invitations/:token/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation sent to your email address',
        params: Strict({ token: Type.String({ minLength: 1, maxLength: 200 }) }),
        body: NoBody,
        response: { 200: Type.Object({ org: OrgRefSchema, role: RoleSchema }), ...errors(401, 403, 404, 409, 410) },
      },
    },
    async (request) => acceptInvitation(deps, actorOf(request), request.params.token),
  );
}
