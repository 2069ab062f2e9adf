import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

export interface EnforcementFacts {
  mfaRequired: boolean;
  action: string;
  pending: string[];
  activeWithoutMfa: number;
  /** member.pending events per target. */
  pendingEvents: Map<string, number>;
  orgEdits: number;
  /** Rejoin mails ("Mandatory: Enable Two-Factor Authentication") queued per recipient. */
  rejoinMails: Map<string, number>;
  outbox: { id: string; sent: boolean }[];
}

export type EnforcementOutcome = 'nothing' | 'all';

export async function enforcementFacts(db: Kysely<Database>, slug: string): Promise<EnforcementFacts> {
  const org = await db.selectFrom('orgs').select(['id', 'mfa_required', 'noncompliant_action']).where('slug', '=', slug).executeTakeFirstOrThrow();
  const pending = await db.selectFrom('memberships').select('user_id').where('org_id', '=', org.id).where('state', '=', 'pending').execute();
  const withoutMfa = await db
    .selectFrom('memberships as m')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('m.org_id', '=', org.id)
    .where('m.state', '=', 'active')
    .where(sql<boolean>`not exists (select 1 from mfa_factors f where f.user_id = m.user_id and f.confirmed_at is not null)`)
    .executeTakeFirstOrThrow();
  const events = await db.selectFrom('audit_events').select(['action', 'target_id']).where('org_id', '=', org.id).where('action', 'in', ['member.pending', 'org.edit']).execute();
  const pendingEvents = new Map<string, number>();
  for (const event of events) if (event.action === 'member.pending') pendingEvents.set(event.target_id!, (pendingEvents.get(event.target_id!) ?? 0) + 1);
  const rows = await db.selectFrom('outbox').select(['id', 'kind', 'recipient', 'text_body', 'sent_at']).execute();
  const rejoinMails = new Map<string, number>();
  for (const row of rows) {
    if (row.kind === 'mfa_removal' && row.text_body.includes(`(${slug})`)) rejoinMails.set(row.recipient, (rejoinMails.get(row.recipient) ?? 0) + 1);
  }
  return {
    mfaRequired: org.mfa_required,
    action: org.noncompliant_action,
    pending: pending.map((row) => row.user_id),
    activeWithoutMfa: Number(withoutMfa.n),
    pendingEvents,
    orgEdits: events.filter((event) => event.action === 'org.edit').length,
    rejoinMails,
    outbox: rows.map((row) => ({ id: row.id, sent: row.sent_at !== null })),
  };
}

/**
 * All or nothing: either enforcement is on and every member without MFA is pending with exactly
 * one member.pending event and one rejoin mail each (I1, I4, and the mail I5 delivers), or nothing
 * of it happened. Anything in between is a half-applied enforcement, reported with its facts.
 */
export function classify(facts: EnforcementFacts, expected: { withoutMfa: readonly string[]; emails: ReadonlyMap<string, string> }): EnforcementOutcome {
  const mails = [...facts.rejoinMails.values()].reduce((sum, count) => sum + count, 0);
  if (!facts.mfaRequired && facts.pending.length === 0 && facts.pendingEvents.size === 0 && facts.orgEdits === 0 && mails === 0) return 'nothing';
  const pending = new Set(facts.pending);
  const complete =
    facts.mfaRequired &&
    facts.action === 'remove' &&
    facts.activeWithoutMfa === 0 &&
    facts.orgEdits === 1 &&
    pending.size === expected.withoutMfa.length &&
    expected.withoutMfa.every((id) => pending.has(id) && facts.pendingEvents.get(id) === 1 && facts.rejoinMails.get(expected.emails.get(id)!) === 1) &&
    facts.pendingEvents.size === expected.withoutMfa.length &&
    mails === expected.withoutMfa.length;
  if (complete) return 'all';
  const summary = {
    mfaRequired: facts.mfaRequired,
    action: facts.action,
    pending: facts.pending.length,
    expectedPending: expected.withoutMfa.length,
    activeWithoutMfa: facts.activeWithoutMfa,
    pendingEvents: facts.pendingEvents.size,
    duplicatePendingEvents: [...facts.pendingEvents.values()].filter((count) => count > 1).length,
    orgEdits: facts.orgEdits,
    rejoinMails: mails,
  };
  throw new Error(`half-applied enforcement: ${JSON.stringify(summary)}`);
}
