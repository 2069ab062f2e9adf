import { issueSession } from '../../src/app/accounts/issueSession.ts';
import { transact } from '../../src/app/transact.ts';
import type { Role } from '../../src/core/roles.ts';
import { call } from '../helpers/client.ts';
import type { StepOutcome } from './driver.ts';
import { checkQueuedMail, DeliveryLedger } from './mailInvariants.ts';
import type { Sim } from './model.ts';
import {
  auditSince,
  countsFactor,
  membershipKey,
  outboxSince,
  takeSnapshot,
  withinGrace,
  type AuditRow,
  type OutboxFact,
  type Snapshot,
} from './snapshot.ts';
import { violated } from './violation.ts';

/** A membership that became active this step with its `member.join` event: new, or back from pending (`rejoin`). */
interface Join {
  key: string;
  orgId: string;
  userId: string;
  role: Role;
  rejoin: boolean;
  event: AuditRow;
}

/** Audit actions whose every occurrence must match a change seen in the database, and vice versa. */
const TRACKED = new Set([
  'org.create',
  'org.edit',
  'org.ownership_transfer',
  'member.join',
  'member.role_change',
  'member.remove',
  'member.pending',
  'member.reinstate',
  'mfa.enroll',
  'mfa.disable',
]);
const POLICY_FIELDS = ['mfa_required', 'noncompliant_action', 'required_factor', 'grace_period_ends_at'] as const;

/**
 * Checks I1–I5 after every step, from the database and the mail transport. It keeps what must be
 * remembered between steps: where the audit log and outbox were read up to, how often each mail
 * was handed to the transport (mailInvariants.ts), and each pending member's role when they were
 * moved (I3).
 */
export class InvariantChecker {
  #auditSeq = 0;
  #outboxSeq = 0;
  /** The harness the ledger and read positions belong to: the test starts a fresh one now and then. */
  #harness: Sim['h'] | null = null;
  #deliveries = new DeliveryLedger();
  /** `${orgId} ${userId}` → the role a pending member held when moved to pending (I3). */
  readonly #pendingRoles = new Map<string, Role>();
  steps = 0;
  /** How often the interesting transitions happened, for the test's summary. */
  readonly seen = { movedToPending: 0, reinstated: 0, rejoinedByInvitation: 0, blockedRefused: 0, withinGrace: 0 };

  /** Before a sequence: whatever an earlier (failed) sequence left is delivered and accounted for first. */
  async start(sim: Sim): Promise<void> {
    if (sim.h !== this.#harness) {
      // A fresh database and mail transport: I5 is checked over everything this harness queued and delivered.
      this.#harness = sim.h;
      this.#deliveries = new DeliveryLedger();
      this.#outboxSeq = 0;
    }
    await sim.h.gatehouse.jobs.run('outbox');
    const mails = await outboxSince(sim, this.#outboxSeq);
    if (mails.queued.length > 0) this.#outboxSeq = mails.queued.at(-1)!.seq;
    this.#deliveries.check(sim, mails);
    const audit = await sim.h.gatehouse.deps.db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    this.#auditSeq = Number(audit?.seq ?? 0);
    this.#pendingRoles.clear();
  }

  /** Runs after a step; returns the new snapshot, which is the next step's "before". */
  async afterStep(sim: Sim, before: Snapshot, outcome: StepOutcome): Promise<Snapshot> {
    this.steps += 1;
    // I5 needs the outbox drained, as the worker (woken by every commit) would do on its own.
    await sim.h.gatehouse.jobs.run('outbox');
    const [after, allEvents, outbox] = await Promise.all([takeSnapshot(sim), auditSince(sim, this.#auditSeq), outboxSince(sim, this.#outboxSeq)]);
    if (allEvents.length > 0) this.#auditSeq = allEvents.at(-1)!.seq;
    if (outbox.queued.length > 0) this.#outboxSeq = outbox.queued.at(-1)!.seq;
    // Organizations of earlier sequences on this harness live on (a clock move sweeps them too): judge only this one's.
    const orgIds = new Set(sim.orgs.map((org) => org.id));
    const userIds = new Set(sim.users.map((user) => user.id));
    const emails = new Set(sim.users.map((user) => user.email.toLowerCase()));
    const events = allEvents.filter((event) => (event.org_id === null ? event.target_id !== null && userIds.has(event.target_id) : orgIds.has(event.org_id)));
    const mails = outbox.queued.filter((mail) => emails.has(mail.recipient.toLowerCase()));

    // The ledger first: should another check fail, the next sequence's start still knows these rows
    // (otherwise shrinking would report their delivery as a mail without an outbox row).
    this.#deliveries.check(sim, outbox);
    this.#nothingChangesOnFailure(before, after, events, mails, outcome);
    const joins = this.#auditMatchesChanges(before, after, events, outcome);
    await this.#joinsMatchInvitations(sim, before, joins, outcome);
    checkQueuedMail({ sim, before, after, events, mails, outcome });
    await this.#mfaHolds(sim, after);
    return after;
  }

  /** Contract: "Nothing is changed by a request that fails." */
  #nothingChangesOnFailure(before: Snapshot, after: Snapshot, events: AuditRow[], mails: OutboxFact[], outcome: StepOutcome): void {
    if (!outcome.main || outcome.main.status < 400 || outcome.otherChanges) return;
    const what = `${outcome.label} answered ${outcome.main.status} ${outcome.main.body?.code}`;
    if (events.length > 0) violated('failed request', `${what} but wrote audit events ${events.map((event) => event.action).join(', ')}`);
    if (mails.length > 0) violated('failed request', `${what} but queued mail ${mails.map((mail) => mail.kind).join(', ')}`);
    for (const [key, row] of after.memberships) {
      const old = before.memberships.get(key);
      if (!old || old.role !== row.role || old.state !== row.state) violated('failed request', `${what} but changed membership ${key}`);
    }
    if (after.memberships.size !== before.memberships.size) violated('failed request', `${what} but removed a membership`);
    for (const [id, org] of after.orgs) {
      if (JSON.stringify(org) !== JSON.stringify(before.orgs.get(id))) violated('failed request', `${what} but changed the policy of ${org.slug}`);
    }
    for (const [userId, factors] of after.factors) {
      if ([...factors.ids].sort().join() !== [...(before.factors.get(userId)?.ids ?? [])].sort().join()) violated('failed request', `${what} but changed the factors of ${userId}`);
    }
  }

  /** I4 (and I3): every change of membership, role, factor or policy has exactly its audit event, and no event lacks its change. */
  #auditMatchesChanges(before: Snapshot, after: Snapshot, events: AuditRow[], outcome: StepOutcome): Join[] {
    const joins: Join[] = [];
    const pool = events.filter((event) => TRACKED.has(event.action));
    const take = (rule: string, predicate: (event: AuditRow) => boolean): AuditRow => {
      const index = pool.findIndex(predicate);
      if (index < 0) violated('I4', `${rule} has no audit event (step: ${outcome.label}; events: ${events.map((event) => event.action).join(', ') || 'none'})`);
      return pool.splice(index, 1)[0]!;
    };

    // Ownership transfers change two roles with one event.
    const transferred = new Set<string>();
    for (const event of pool.filter((candidate) => candidate.action === 'org.ownership_transfer')) {
      pool.splice(pool.indexOf(event), 1);
      const newOwner = membershipKey(event.org_id!, event.target_id!);
      const oldOwner = membershipKey(event.org_id!, event.actor_id!);
      if (after.memberships.get(newOwner)?.role !== 'owner') violated('I4', `org.ownership_transfer but ${newOwner} is not owner`);
      if (before.memberships.get(oldOwner)?.role !== 'owner' || after.memberships.get(oldOwner)?.role !== 'admin') {
        violated('I4', `org.ownership_transfer but the previous owner ${oldOwner} did not become admin`);
      }
      transferred.add(newOwner).add(oldOwner);
    }

    for (const org of after.orgs.values()) {
      const old = before.orgs.get(org.id);
      if (!old) {
        take(`creation of ${org.slug}`, (event) => event.action === 'org.create' && event.org_id === org.id);
        continue;
      }
      const changed = POLICY_FIELDS.filter((field) => old[field] !== org[field]);
      if (changed.length === 0) continue;
      const event = take(`policy change ${changed.join(',')} of ${org.slug}`, (candidate) => candidate.action === 'org.edit' && candidate.org_id === org.id);
      const changes = (event.data.changes ?? {}) as Record<string, [unknown, unknown]>;
      for (const field of changed) {
        if (JSON.stringify(changes[field]) !== JSON.stringify([old[field], org[field]])) {
          violated('I4', `org.edit of ${org.slug} records ${field} as ${JSON.stringify(changes[field])}, the database went ${old[field]} → ${org[field]}`);
        }
      }
    }

    const keys = new Set([...before.memberships.keys(), ...after.memberships.keys()]);
    for (const key of keys) {
      const old = before.memberships.get(key);
      const row = after.memberships.get(key);
      const [orgId, userId] = key.split(' ') as [string, string];
      const about = (action: string) => (event: AuditRow) => event.action === action && event.org_id === orgId && event.target_id === userId;
      if (!old && row) {
        joins.push({ key, orgId, userId, role: row.role, rejoin: false, event: take(`${key} joining`, about('member.join')) });
        if (row.state !== 'active') violated('I4', `${key} joined in state ${row.state}`);
        continue;
      }
      if (old && !row) {
        take(`${key} removal`, about('member.remove'));
        this.#pendingRoles.delete(key);
        continue;
      }
      if (!old || !row) continue;
      let roleExplained = transferred.has(key);
      if (old.state === 'active' && row.state === 'pending') {
        const event = take(`${key} moving to pending`, about('member.pending'));
        if (event.data.role !== old.role) violated('I4', `member.pending of ${key} records role ${String(event.data.role)}, the member was ${old.role}`);
        this.#pendingRoles.set(key, old.role);
        this.seen.movedToPending += 1;
      } else if (old.state === 'pending' && row.state === 'active') {
        const joined = pool.findIndex(about('member.join'));
        if (joined >= 0) {
          // Accepting a new invitation: the invited role replaces the old one (checked in #joinsMatchInvitations).
          joins.push({ key, orgId, userId, role: row.role, rejoin: true, event: pool.splice(joined, 1)[0]! });
          roleExplained = true;
          this.seen.rejoinedByInvitation += 1;
        } else {
          take(`${key} reinstatement`, about('member.reinstate'));
          this.seen.reinstated += 1;
          const expected = this.#pendingRoles.get(key);
          if (row.role !== expected) violated('I3', `${key} was reinstated as ${row.role}, but held ${expected ?? 'an unknown role'} when moved to pending`);
          if (outcome.mainPath?.endsWith('/reinstate') && outcome.main?.body?.role !== row.role) {
            violated('I3', `reinstate answered role ${String(outcome.main?.body?.role)}, the database says ${row.role}`);
          }
        }
        this.#pendingRoles.delete(key);
      } else if (row.state === 'pending' && !this.#pendingRoles.has(key)) {
        violated('I3', `${key} is pending but was never seen moving to pending`);
      }
      if (old.role !== row.role && !roleExplained) {
        const event = take(`${key} role ${old.role} → ${row.role}`, about('member.role_change'));
        if (event.data.old_role !== old.role || event.data.new_role !== row.role) {
          violated('I4', `member.role_change of ${key} records ${String(event.data.old_role)} → ${String(event.data.new_role)}, the database went ${old.role} → ${row.role}`);
        }
        // An audited role change of a pending member is what reinstatement then restores.
        if (row.state === 'pending') this.#pendingRoles.set(key, row.role);
      }
    }

    for (const [userId, factors] of after.factors) {
      const oldIds = before.factors.get(userId)?.ids ?? new Set<string>();
      const liveOrgs = [...after.memberships.values()]
        .filter((row) => row.userId === userId && (row.state === 'active' || (row.reinstateUntil !== null && row.reinstateUntil > after.now)))
        .map((row) => row.orgId)
        .sort();
      const expectedOrgs = liveOrgs.length > 0 ? liveOrgs : [null];
      const expectEvents = (action: string, factorId: string): void => {
        for (const orgId of expectedOrgs) {
          take(`${action} of factor ${factorId} in ${orgId ?? 'no organization'}`, (event) => event.action === action && event.org_id === orgId && event.target_id === userId && event.data.factor_id === factorId);
        }
      };
      for (const id of factors.ids) if (!oldIds.has(id)) expectEvents('mfa.enroll', id);
      for (const id of oldIds) if (!factors.ids.has(id)) expectEvents('mfa.disable', id);
    }

    if (pool.length > 0) {
      violated('I4', `audit events without a matching change: ${pool.map((event) => `${event.action} ${event.org_id} ${event.target_id}`).join('; ')} (step: ${outcome.label})`);
    }
    return joins;
  }

  /**
   * I3 for joins: whoever becomes an active member — new, or back from pending by a new invitation
   * instead of reinstatement — holds exactly the role of the invitation they accepted (read from
   * the database, not from the event), and the acceptance answers that role. Only an
   * organization's creator joins without an invitation, as its owner.
   */
  async #joinsMatchInvitations(sim: Sim, before: Snapshot, joins: Join[], outcome: StepOutcome): Promise<void> {
    if (joins.length === 0) return;
    const ids = joins.map((join) => join.event.data.invitation_id).filter((id): id is string => typeof id === 'string');
    const invitations = ids.length === 0 ? [] : await sim.h.gatehouse.deps.db.selectFrom('invitations').select(['id', 'org_id', 'email', 'role', 'accepted_at']).where('id', 'in', ids).execute();
    for (const join of joins) {
      const how = join.rejoin ? 'rejoined from pending' : 'joined';
      const id = join.event.data.invitation_id;
      if (id === undefined) {
        if (join.rejoin || before.orgs.has(join.orgId) || join.role !== 'owner' || join.event.data.role !== 'owner') {
          violated('I3', `${join.key} ${how} as ${join.role} without an invitation (step: ${outcome.label})`);
        }
        continue;
      }
      const invitation = invitations.find((candidate) => candidate.id === id);
      const email = sim.users.find((user) => user.id === join.userId)?.email.toLowerCase();
      if (!invitation || invitation.org_id !== join.orgId || invitation.email.toLowerCase() !== email || invitation.accepted_at === null) {
        violated('I4', `member.join of ${join.key} names invitation ${String(id)}, which is no accepted invitation of that organization to that user`);
      }
      if (join.role !== invitation.role) violated('I3', `${join.key} ${how} as ${join.role}, but was invited as ${invitation.role} (step: ${outcome.label})`);
      if (join.event.data.role !== invitation.role) violated('I4', `member.join of ${join.key} records role ${String(join.event.data.role)}, the invitation was for ${invitation.role}`);
      if (outcome.mainPath?.endsWith('/accept') && outcome.main?.body?.role !== join.role) {
        violated('I3', `accept answered role ${String(outcome.main?.body?.role)}, the database says ${join.role}`);
      }
    }
  }

  /** I1 and I2, for every organization of the sequence that requires MFA. */
  async #mfaHolds(sim: Sim, after: Snapshot): Promise<void> {
    for (const org of after.orgs.values()) {
      if (!org.mfa_required) continue;
      const active = [...after.memberships.values()].filter((row) => row.orgId === org.id && row.state === 'active');
      if (!active.some((row) => row.role === 'owner' && countsFactor(after, row.userId, org.required_factor))) {
        violated('I2', `${org.slug} requires MFA but has no active owner with a factor (owners: ${active.filter((row) => row.role === 'owner').map((row) => row.userId).join(', ') || 'none'})`);
      }
      const grace = withinGrace(org, after.now);
      for (const row of active) {
        if (countsFactor(after, row.userId, org.required_factor)) continue;
        if (grace) {
          this.seen.withinGrace += 1;
          continue;
        }
        if (org.noncompliant_action !== 'block') {
          violated('I1', `${org.slug} (${org.noncompliant_action}) has active member ${row.userId} (${row.role}) without MFA past any grace period`);
        }
        // `block` keeps the member but every channel must refuse them.
        const access = await call(sim.h, 'GET', `/v1/orgs/${org.slug}/access`, { token: await probeToken(sim, row.userId) });
        if (access.status !== 200 || access.body.allowed !== false || access.body.code !== 'mfa_enrollment_required') {
          violated('I1', `${org.slug} (block) lets ${row.userId} in without MFA: ${access.status} ${JSON.stringify(access.body)}`);
        }
        this.seen.blockedRefused += 1;
      }
    }
  }
}

/** A session of the user, separate from the one the sequence drives with, to ask the access endpoint. */
async function probeToken(sim: Sim, userId: string): Promise<string> {
  const deps = sim.h.gatehouse.deps;
  const issued = await transact(deps, (tx) => issueSession(deps, tx, { userId, aal: 1, amr: ['pwd'], mfaPending: false, authenticatedAt: tx.now }));
  return issued.token;
}
