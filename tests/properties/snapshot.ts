import type { NoncompliantAction, RequiredFactor, Role } from '../../src/db/schema.ts';
import type { Sim } from './model.ts';

/** The state the invariants are about, read straight from the database (never through the API). */
export interface Snapshot {
  now: Date;
  orgs: Map<string, OrgPolicy>;
  /** `${orgId} ${userId}` → membership. */
  memberships: Map<string, MembershipFact>;
  /** userId → ids of confirmed factors, and whether one of them is phishing-resistant. */
  factors: Map<string, { ids: Set<string>; phishingResistant: boolean }>;
}

export interface OrgPolicy {
  id: string;
  slug: string;
  mfa_required: boolean;
  noncompliant_action: NoncompliantAction;
  required_factor: RequiredFactor;
  grace_period_ends_at: string | null;
}

export interface MembershipFact {
  orgId: string;
  userId: string;
  role: Role;
  state: 'active' | 'pending';
  reinstateUntil: Date | null;
}

export interface AuditRow {
  seq: number;
  org_id: string | null;
  action: string;
  actor_id: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
}

export interface OutboxFact {
  seq: number;
  id: string;
  kind: string;
  recipient: string;
  subject: string;
  sent_at: Date | null;
}

export const membershipKey = (orgId: string, userId: string): string => `${orgId} ${userId}`;

export async function takeSnapshot(sim: Sim): Promise<Snapshot> {
  const db = sim.h.gatehouse.deps.db;
  const orgIds = sim.orgs.map((org) => org.id);
  const userIds = sim.users.map((user) => user.id);
  const orgs = new Map<string, OrgPolicy>();
  const memberships = new Map<string, MembershipFact>();
  const factors = new Map<string, { ids: Set<string>; phishingResistant: boolean }>();
  // Three independent reads, sent together: on PostgreSQL they overlap instead of queueing
  // (nothing else writes meanwhile: the harness runs no background jobs).
  const [orgRows, memberRows, factorRows] = await Promise.all([
    orgIds.length === 0
      ? []
      : db.selectFrom('orgs').select(['id', 'slug', 'mfa_required', 'noncompliant_action', 'required_factor', 'grace_period_ends_at']).where('id', 'in', orgIds).execute(),
    orgIds.length === 0 ? [] : db.selectFrom('memberships').select(['org_id', 'user_id', 'role', 'state', 'reinstate_until']).where('org_id', 'in', orgIds).execute(),
    userIds.length === 0
      ? []
      : db.selectFrom('mfa_factors').select(['id', 'user_id', 'phishing_resistant']).where('user_id', 'in', userIds).where('confirmed_at', 'is not', null).execute(),
  ]);
  for (const row of orgRows) orgs.set(row.id, { ...row, grace_period_ends_at: row.grace_period_ends_at?.toISOString() ?? null });
  for (const row of memberRows) {
    memberships.set(membershipKey(row.org_id, row.user_id), { orgId: row.org_id, userId: row.user_id, role: row.role, state: row.state, reinstateUntil: row.reinstate_until });
  }
  for (const id of userIds) factors.set(id, { ids: new Set(), phishingResistant: false });
  for (const row of factorRows) {
    const entry = factors.get(row.user_id)!;
    entry.ids.add(row.id);
    entry.phishingResistant ||= row.phishing_resistant;
  }
  return { now: sim.h.gatehouse.deps.clock.now(), orgs, memberships, factors };
}

/** Audit events written since `afterSeq`, oldest first. */
export async function auditSince(sim: Sim, afterSeq: number): Promise<AuditRow[]> {
  const rows = await sim.h.gatehouse.deps.db
    .selectFrom('audit_events')
    .select(['seq', 'org_id', 'action', 'actor_id', 'target_id', 'data'])
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({ ...row, data: typeof row.data === 'string' ? JSON.parse(row.data) : (row.data as Record<string, unknown>) }));
}

/** Outbox rows queued since `afterSeq`, and every row not sent yet (which, after the worker ran, should be none). */
export async function outboxSince(sim: Sim, afterSeq: number): Promise<{ queued: OutboxFact[]; unsent: OutboxFact[] }> {
  const rows = await sim.h.gatehouse.deps.db
    .selectFrom('outbox')
    .select(['seq', 'id', 'kind', 'recipient', 'subject', 'sent_at'])
    .where((eb) => eb.or([eb('seq', '>', afterSeq), eb('sent_at', 'is', null)]))
    .orderBy('seq')
    .execute();
  return { queued: rows.filter((row) => row.seq > afterSeq), unsent: rows.filter((row) => row.sent_at === null) };
}

export function countsFactor(snapshot: Snapshot, userId: string, requiredFactor: RequiredFactor): boolean {
  const entry = snapshot.factors.get(userId);
  if (!entry || entry.ids.size === 0) return false;
  return requiredFactor === 'any' || entry.phishingResistant;
}

export function withinGrace(org: OrgPolicy, now: Date): boolean {
  return org.grace_period_ends_at !== null && now.getTime() < new Date(org.grace_period_ends_at).getTime();
}
