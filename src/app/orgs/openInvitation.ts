import { GatehouseError } from '../../core/errors.ts';
import type { InvitationRow } from '../../db/queries/invitations.ts';
import type { Repos } from '../../db/repos.ts';

/** An invitation still waiting for its invitee (expired ones included: they can be resent), or 404. */
export async function openInvitation(r: Repos, orgId: string, id: string): Promise<InvitationRow> {
  const invitation = await r.invitations.byId(orgId, id);
  if (!invitation || invitation.accepted_at || invitation.revoked_at) throw new GatehouseError('not_found', 'no open invitation with this id');
  return invitation;
}
