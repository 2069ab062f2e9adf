import type { InvitationRow } from '../../db/queries/invitations.ts';
import type { Role } from '../../core/roles.ts';

/** An invitation as managers see it: never its token, which only the invitee's mail carries. */
export interface PublicInvitation {
  id: string;
  email: string;
  role: Role;
  invited_by: string;
  created_at: Date;
  expires_at: Date;
}

export function publicInvitation(row: Pick<InvitationRow, 'id' | 'email' | 'role' | 'invited_by' | 'created_at' | 'expires_at'>): PublicInvitation {
  return { id: row.id, email: row.email, role: row.role, invited_by: row.invited_by, created_at: row.created_at, expires_at: row.expires_at };
}
