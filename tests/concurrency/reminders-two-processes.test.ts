/**
 * Threat: an admin's double click, a retried request, or two admins at once send bulk MFA
 * reminders through two instances of a scaled deployment, and members get the mail twice (the
 * contract: at most one reminder per member per organization per hour). Rule: the reminder is
 * claimed by a conditional update of the member's row in the shared database, in the same
 * transaction that queues the mail; the outbox is claimed row by row (SKIP LOCKED), so neither
 * queuing nor delivery doubles across processes. The SMTP server counts what arrives.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { systemRandom } from '../../src/core/random.ts';
import { PASSWORD, uniqueEmail } from '../helpers/flows.ts';
import { http, type ServerProcess } from '../helpers/serverProcess.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.ts';
import { startTwoProcesses, type TwoProcesses } from './twoProcesses.ts';

const MEMBERS = 40;
let smtp: SmtpSink;
let pair: TwoProcesses;
let a: ServerProcess;
let b: ServerProcess;
beforeAll(async () => {
  smtp = await startSmtpSink();
  pair = await startTwoProcesses({ SMTP_URL: smtp.url });
  [a, b] = pair.servers;
}, 120_000);
afterAll(async () => {
  await pair?.stop();
  await smtp?.close();
});

/**
 * An owner (through the API) and MEMBERS members (straight into the shared database), none with
 * MFA: the owner is reminded too, so the ids and emails returned include the owner's.
 */
async function organization(): Promise<{ slug: string; token: string; memberIds: string[]; emails: string[] }> {
  const email = uniqueEmail('remind-owner');
  const owner = (await http(a.url, 'POST', '/v1/users', { body: { email, password: PASSWORD } })).body.user.id as string;
  const token = (await http(b.url, 'POST', '/v1/sessions', { body: { email, password: PASSWORD } })).body.token as string;
  const slug = `remind-${newId(systemRandom, 'org').slice(4, 14).toLowerCase()}`;
  expect((await http(a.url, 'POST', '/v1/orgs', { token, body: { slug, name: 'Reminders' } })).status).toBe(201);
  const org = await pair.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  const now = new Date();
  const users = Array.from({ length: MEMBERS }, () => ({ id: newId(systemRandom, 'usr'), email: uniqueEmail('remind') }));
  await pair.db.insertInto('users').values(users.map((user) => ({ id: user.id, email: user.email, name: null, password_hash: null, last_failed_at: null, created_at: now }))).execute();
  await pair.db
    .insertInto('memberships')
    .values(users.map((user) => ({ org_id: org.id, user_id: user.id, role: 'member' as const, state: 'active' as const, pending_since: null, reinstate_until: null, last_reminded_at: null, created_at: now })))
    .execute();
  return { slug, token, memberIds: [owner, ...users.map((user) => user.id)], emails: [email, ...users.map((user) => user.email)] };
}

async function remindersOf(slug: string): Promise<{ events: number; perTarget: Map<string, number>; outbox: { id: string; recipient: string; sent_at: Date | null }[] }> {
  const org = await pair.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  const events = await pair.db.selectFrom('audit_events').select('target_id').where('org_id', '=', org.id).where('action', '=', 'mfa.reminder').execute();
  const perTarget = new Map<string, number>();
  for (const event of events) perTarget.set(event.target_id!, (perTarget.get(event.target_id!) ?? 0) + 1);
  const outbox = await pair.db.selectFrom('outbox').select(['id', 'recipient', 'sent_at']).where('kind', '=', 'mfa_reminder').where('subject', 'like', '%Reminders%').execute();
  return { events: events.length, perTarget, outbox };
}

it('bulk reminders sent through both processes at once reach each member exactly once', async () => {
  const { slug, token, memberIds, emails } = await organization();
  const half = memberIds.slice(0, memberIds.length / 2);
  // Three bulk requests and two with overlapping id lists, split between the processes, all at once.
  const requests = [
    http(a.url, 'POST', `/v1/orgs/${slug}/mfa-reminders`, { token, body: {} }),
    http(b.url, 'POST', `/v1/orgs/${slug}/mfa-reminders`, { token, body: {} }),
    http(a.url, 'POST', `/v1/orgs/${slug}/mfa-reminders`, { token, body: { user_ids: half } }),
    http(b.url, 'POST', `/v1/orgs/${slug}/mfa-reminders`, { token, body: { user_ids: memberIds } }),
    http(b.url, 'POST', `/v1/orgs/${slug}/mfa-reminders`, { token, body: {} }),
  ];
  const answers = await Promise.all(requests);
  expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
  const sent = answers.flatMap((answer) => answer.body.sent as string[]);
  expect(sent.sort()).toEqual([...memberIds].sort());
  for (const answer of answers) {
    for (const skipped of answer.body.skipped as { reason: string }[]) expect(skipped.reason).toBe('recently_reminded');
  }

  const recorded = await remindersOf(slug);
  expect(recorded.events).toBe(memberIds.length);
  expect([...recorded.perTarget.values()].every((count) => count === 1)).toBe(true);
  expect(recorded.outbox.map((row) => row.recipient).sort()).toEqual([...emails].sort());

  // Both processes deliver from the shared outbox; the SMTP server sees each reminder once.
  for (const email of emails) await smtp.waitFor((mail) => mail.to.includes(email) && /Reminder/.test(mail.subject), { timeoutMs: 60_000 });
  while ((await remindersOf(slug)).outbox.some((row) => row.sent_at === null)) await new Promise((resolve) => setTimeout(resolve, 100));
  const arrived = smtp.received.filter((mail) => emails.some((email) => mail.to.includes(email)));
  expect(arrived).toHaveLength(memberIds.length);
  expect(new Set(arrived.map((mail) => mail.messageId)).size).toBe(memberIds.length);
  expect(new Set(arrived.map((mail) => mail.messageId))).toEqual(new Set(recorded.outbox.map((row) => `<${row.id}@127.0.0.1>`)));
});
