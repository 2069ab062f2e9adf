import { sql, type Kysely } from 'kysely';
import { reinstateDeadline } from '../src/core/enforcementRules.ts';
import type { Database } from '../src/db/schema.ts';
import { rejoinMail } from '../src/mail/templates.ts';
import type { BenchDatabase } from './benchDatabase.ts';
import type { Machine } from './machine.ts';
import { BIG_ORG_ID, BIG_ORG_SLUG, BIG_OWNER_ID, type EnforcementSeed } from './seedEnforcement.ts';
import { startGatehouse } from './serverProcess.ts';

export const PUBLIC_URL = 'http://gatehouse.bench.test';

export interface Effects {
  pendingMembers: number;
  pendingEvents: number;
  removalMails: number;
}

export async function countEffects(db: Kysely<Database>): Promise<Effects> {
  const result = await sql<Effects>`select
      (select count(*)::int from memberships where org_id = ${BIG_ORG_ID} and state = 'pending') as "pendingMembers",
      (select count(*)::int from audit_events where org_id = ${BIG_ORG_ID} and action = 'member.pending') as "pendingEvents",
      (select count(*)::int from outbox where kind = 'mfa_removal') as "removalMails"`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('no counts');
  return row;
}

/**
 * The floor: the same rows the PUT writes (policy, org.edit event, pending memberships, one
 * member.pending event and one rejoin mail per member), by set-based statements in one
 * transaction, with nothing computed in JavaScript per member.
 */
export async function enforcementFloor(copy: BenchDatabase): Promise<{ seconds: number; effects: Effects }> {
  const open = await copy.open();
  try {
    const now = new Date();
    const until = reinstateDeadline(now);
    const org = { slug: BIG_ORG_SLUG, name: 'Bench Big Org' };
    const mail = rejoinMail({ to: '', org, publicUrl: PUBLIC_URL, reinstateUntil: until });
    const started = performance.now();
    await open.db.transaction().execute(async (trx) => {
      await sql`select id from orgs where id = ${BIG_ORG_ID} for update`.execute(trx);
      await sql`update orgs set mfa_required = true, noncompliant_action = 'remove', mfa_enabled_at = ${now}, mfa_enabled_by = ${BIG_OWNER_ID}
        where id = ${BIG_ORG_ID}`.execute(trx);
      await sql`insert into audit_events (id, org_id, action, actor_id, target_id, data, created_at)
        values ('evt_floororgedit', ${BIG_ORG_ID}, 'org.edit', ${BIG_OWNER_ID}, null, ${JSON.stringify({ changes: { mfa_required: [false, true] } })}::jsonb, ${now})`.execute(trx);
      await sql`with moved as (
          update memberships m set state = 'pending', pending_since = ${now}, reinstate_until = ${until}
          where m.org_id = ${BIG_ORG_ID} and m.state = 'active'
            and not exists (select 1 from mfa_factors f where f.user_id = m.user_id and f.confirmed_at is not null)
          returning m.user_id, m.role
        ), events as (
          insert into audit_events (id, org_id, action, actor_id, target_id, data, created_at)
          select 'evt_' || md5(m.user_id), ${BIG_ORG_ID}, 'member.pending', ${BIG_OWNER_ID}, m.user_id,
                 jsonb_build_object('reason', 'mfa_required', 'role', m.role, 'reinstate_until', ${until.toISOString()}::text), ${now}
          from moved m
        )
        insert into outbox (id, kind, recipient, subject, text_body, html_body, created_at, next_attempt_at)
        select 'mail_' || md5(m.user_id), ${mail.kind}, u.email, ${mail.subject}, ${mail.text}, ${mail.html}, ${now}, ${now}
        from moved m join users u on u.id = m.user_id`.execute(trx);
    });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, effects: await countEffects(open.db) };
  } finally {
    await open.close();
  }
}

/** `PUT /v1/orgs/{slug}/mfa-enforcement` with `remove` against the server, timed from the client. */
export async function enforcementPut(
  machine: Machine,
  database: BenchDatabase,
  seed: EnforcementSeed,
  env: Record<string, string>,
): Promise<{ seconds: number; status: number; pendingListed: number; effects: Effects }> {
  const server = await startGatehouse(machine, { ...database.serverEnv, ...env, GATEHOUSE_PUBLIC_URL: PUBLIC_URL });
  let seconds: number;
  let status: number;
  let pendingListed = 0;
  try {
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/orgs/${BIG_ORG_SLUG}/mfa-enforcement`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.ownerToken}` },
      body: JSON.stringify({ confirm: 'ENFORCE', noncompliant_action: 'remove' }),
    });
    const body = (await response.json()) as { pending?: unknown[] };
    seconds = (performance.now() - started) / 1000;
    status = response.status;
    pendingListed = body.pending?.length ?? 0;
  } finally {
    await server.stop();
  }
  const open = await database.open();
  try {
    return { seconds, status, pendingListed, effects: await countEffects(open.db) };
  } finally {
    await open.close();
  }
}
