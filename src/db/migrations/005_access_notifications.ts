import { sql, type Kysely } from 'kysely';

/**
 * Every change to a row that an access decision reads — a credential, a user, a factor, an
 * organization's policy, a membership — announces itself on the `gatehouse_access` channel when
 * its transaction commits (NOTIFY is transactional: a rolled-back change announces nothing). Each
 * server instance LISTENs and drops what it cached about that token, user or organization
 * (src/db/accessCache.ts). Database triggers rather than application code, so that no write path
 * — present, future, or an operator's hand-written UPDATE — can change access without the caches
 * hearing of it.
 *
 * Statement-level triggers with transition tables: moving 30,000 members to pending is one
 * notification for the organization, not 30,000 (and identical payloads within one transaction
 * are sent once). Payloads: `t:<token_hash>`, `u:<user_id>`, `o:<org_id>`.
 */
const NOTIFIERS: readonly { table: string; payload: string; column: string; events: readonly ('insert' | 'update' | 'delete')[] }[] = [
  // A new session or token cannot be in any cache yet: only changes and deletions matter.
  { table: 'sessions', payload: 't:', column: 'token_hash', events: ['update', 'delete'] },
  { table: 'personal_access_tokens', payload: 't:', column: 'token_hash', events: ['update', 'delete'] },
  { table: 'users', payload: 'u:', column: 'id', events: ['update', 'delete'] },
  { table: 'mfa_factors', payload: 'u:', column: 'user_id', events: ['insert', 'update', 'delete'] },
  { table: 'orgs', payload: 'o:', column: 'id', events: ['update', 'delete'] },
  { table: 'memberships', payload: 'o:', column: 'org_id', events: ['insert', 'update', 'delete'] },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const notifier of NOTIFIERS) {
    // One function per table: a trigger function's statements are planned against one table's columns.
    const fn = `gatehouse_notify_${notifier.table}`;
    await sql
      .raw(
        `create function ${fn}() returns trigger language plpgsql as $$
        begin
          perform pg_notify('gatehouse_access', '${notifier.payload}' || key)
            from (select distinct ${notifier.column} as key from changed_rows) as changed;
          return null;
        end $$`,
      )
      .execute(db);
    for (const event of notifier.events) {
      // Transition tables allow one event per trigger; ids never change, so OLD rows name the key of an update.
      const rows = event === 'insert' ? 'new table as changed_rows' : 'old table as changed_rows';
      await sql
        .raw(`create trigger ${notifier.table}_${event}_notify after ${event} on ${notifier.table} referencing ${rows} for each statement execute function ${fn}()`)
        .execute(db);
    }
  }
}
