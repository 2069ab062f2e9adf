import type { StepOutcome } from './driver.ts';
import type { Sim } from './model.ts';
import type { AuditRow, OutboxFact, Snapshot } from './snapshot.ts';
import { violated } from './violation.ts';

/** Mail kinds whose count per step the invariants know exactly; others are only checked for delivery. */
const COUNTED_MAIL = new Set(['mfa_removal', 'mfa_factor_changed', 'mfa_enforcement_stopped', 'mfa_reminder', 'invitation']);

/** The mail each change owes someone is queued, once: rejoin links, factor-change notices, owner notices, reminders, invitations. */
export function checkQueuedMail(step: { sim: Sim; before: Snapshot; after: Snapshot; events: AuditRow[]; mails: OutboxFact[]; outcome: StepOutcome }): void {
  const { sim, before, after, events, mails, outcome } = step;
  const emailOf = (userId: string): string => sim.users.find((user) => user.id === userId)?.email.toLowerCase() ?? `unknown:${userId}`;
  const expected: string[] = [];
  for (const [key, row] of after.memberships) {
    if (row.state === 'pending' && before.memberships.get(key)?.state === 'active') expected.push(`mfa_removal ${emailOf(row.userId)}`);
  }
  for (const [userId, factors] of after.factors) {
    const oldIds = before.factors.get(userId)?.ids ?? new Set<string>();
    const changes = [...factors.ids].filter((id) => !oldIds.has(id)).length + [...oldIds].filter((id) => !factors.ids.has(id)).length;
    for (let index = 0; index < changes; index += 1) expected.push(`mfa_factor_changed ${emailOf(userId)}`);
  }
  for (const org of after.orgs.values()) {
    const old = before.orgs.get(org.id);
    if (old?.mfa_required && !org.mfa_required) {
      for (const row of after.memberships.values()) {
        if (row.orgId === org.id && row.role === 'owner' && row.state === 'active') expected.push(`mfa_enforcement_stopped ${emailOf(row.userId)}`);
      }
    }
  }
  for (const event of events) if (event.action === 'mfa.reminder') expected.push(`mfa_reminder ${emailOf(event.target_id!)}`);
  for (const event of events) if (event.action === 'member.rejoin_invite') expected.push(`mfa_removal ${emailOf(event.target_id!)}`);
  if (outcome.mainPath?.endsWith('/invitations') && outcome.main?.status === 201) expected.push(`invitation ${String(outcome.main.body.invitation.email).toLowerCase()}`);
  if (outcome.mainPath?.endsWith('/mfa-reminders') && outcome.main?.status === 200) {
    const reminded = events.filter((event) => event.action === 'mfa.reminder').length;
    if (reminded !== outcome.main.body.sent.length) violated('I4', `reminders sent to ${outcome.main.body.sent.length} members but ${reminded} mfa.reminder events`);
  }
  const actual = mails.filter((mail) => COUNTED_MAIL.has(mail.kind)).map((mail) => `${mail.kind} ${mail.recipient.toLowerCase()}`);
  const sortedExpected = [...expected].sort();
  const sortedActual = [...actual].sort();
  if (JSON.stringify(sortedExpected) !== JSON.stringify(sortedActual)) {
    violated('mail', `expected ${JSON.stringify(sortedExpected)}, queued ${JSON.stringify(sortedActual)} (step: ${outcome.label})`);
  }
}

/** I5: every outbox row is sent, and handed to the transport exactly once — across all sequences run on one harness. */
export class DeliveryLedger {
  #mailSeen = 0;
  readonly #deliveries = new Map<string, number>();
  readonly #outboxIds = new Set<string>();

  /** After the worker ran: the rows queued since the last check, and every row still unsent. */
  check(sim: Sim, outbox: { queued: OutboxFact[]; unsent: OutboxFact[] }): void {
    const mails = outbox.queued;
    for (const mail of mails) this.#outboxIds.add(mail.id);
    for (; this.#mailSeen < sim.h.mail.length; this.#mailSeen += 1) {
      const id = sim.h.mail[this.#mailSeen]!.id;
      if (!this.#outboxIds.has(id)) violated('I5', `mail ${id} was delivered but is no outbox row`);
      const count = (this.#deliveries.get(id) ?? 0) + 1;
      if (count > 1) violated('I5', `mail ${id} was delivered ${count} times`);
      this.#deliveries.set(id, count);
    }
    for (const mail of mails) if (this.#deliveries.get(mail.id) !== 1) violated('I5', `outbox row ${mail.id} (${mail.kind}) was delivered ${this.#deliveries.get(mail.id) ?? 0} times`);
    if (outbox.unsent.length > 0) violated('I5', `outbox rows not sent after the worker ran: ${outbox.unsent.map((mail) => `${mail.id} (${mail.kind})`).join(', ')}`);
  }
}
