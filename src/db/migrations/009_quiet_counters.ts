import { sql, type Kysely } from 'kysely';

/**
 * Updates that change nothing an access decision reads stop notifying the access channel: the
 * failure counter of a user (`failed_attempts`, `last_failed_at`, written by every guess and every
 * sign-in) and the use marks of a factor (`last_used_step`, `last_used_at`, `sign_count`, written by
 * every MFA step). Every notification drops cached entries on every instance and, on PostgreSQL,
 * holds the request that raised it until the other instances acknowledged it
 * (src/db/accessBarrier.ts): a sign-in would wait on every other instance, and a stranger's wrong
 * guesses would empty the cache of its victim.
 *
 * The columns left out are named, not the columns kept: a column added later notifies unless a
 * migration says otherwise, so the triggers stay on the side of dropping too much (migration 005).
 */
const QUIET: readonly { table: string; payload: string; key: string; counters: readonly string[] }[] = [
  { table: 'users', payload: 'u:', key: 'id', counters: ['failed_attempts', 'last_failed_at'] },
  { table: 'mfa_factors', payload: 'u:', key: 'user_id', counters: ['last_used_step', 'last_used_at', 'sign_count'] },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const quiet of QUIET) {
    const fn = `gatehouse_notify_${quiet.table}_update`;
    const without = (alias: string): string => `(to_jsonb(${alias}) ${quiet.counters.map((column) => `- '${column}'`).join(' ')})`;
    // Rows are matched by primary key (`id` on both tables; ids never change).
    await sql
      .raw(
        `create function ${fn}() returns trigger language plpgsql as $$
        begin
          perform pg_notify('gatehouse_access', '${quiet.payload}' || key)
            from (select distinct o.${quiet.key} as key from old_rows o join new_rows n on n.id = o.id
                  where ${without('o')} is distinct from ${without('n')}) as changed;
          return null;
        end $$`,
      )
      .execute(db);
    await sql.raw(`drop trigger ${quiet.table}_update_notify on ${quiet.table}`).execute(db);
    await sql
      .raw(
        `create trigger ${quiet.table}_update_notify after update on ${quiet.table}
         referencing old table as old_rows new table as new_rows for each statement execute function ${fn}()`,
      )
      .execute(db);
  }
}
