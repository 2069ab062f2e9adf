import { sql, type Kysely } from 'kysely';

// When mail last went to someone who has not asked for it, so it can be throttled
// (src/core/invitationThrottle.ts): an invitation's mail (invite or resend), and a pending
// member's rejoin mail sent again by a manager. Existing invitations were last sent when created.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table invitations add column last_sent_at timestamptz`.execute(db);
  await sql`update invitations set last_sent_at = created_at`.execute(db);
  await sql`alter table invitations alter column last_sent_at set not null`.execute(db);
  await sql`create index invitations_org_email_idx on invitations(org_id, email)`.execute(db);
  await sql`alter table memberships add column rejoin_mailed_at timestamptz`.execute(db);
}
