import { sql, type Kysely } from 'kysely';

/**
 * Columns that change by design without any request's doing: a "last seen" stamp (written at most
 * once a minute), and on PostgreSQL the access cache's lease and acknowledgements (every second,
 * src/db/accessListener.ts) — not state that a refused request may not change.
 */
const VOLATILE = new Set([
  'sessions.last_seen_at',
  'personal_access_tokens.last_used_at',
  'access_cache_instances.alive_until',
  'access_cache_instances.applied_seq',
]);

export type Fingerprint = Record<string, { rows: number; checksum: string }>;

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Row count and an order-independent checksum of every table, from the database itself (PGlite and PostgreSQL alike). */
export async function fingerprint(db: Kysely<any>): Promise<Fingerprint> {
  const columns = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
    order by c.table_name, c.ordinal_position`.execute(db);
  const tables = new Map<string, string[]>();
  for (const { table_name, column_name } of columns.rows) {
    if (VOLATILE.has(`${table_name}.${column_name}`)) continue;
    tables.set(table_name, [...(tables.get(table_name) ?? []), column_name]);
  }
  const result: Fingerprint = {};
  for (const [table, names] of [...tables].sort(([a], [b]) => a.localeCompare(b))) {
    const row = `md5(row(${names.map(quote).join(', ')})::text)`;
    const { rows } = await sql<{ n: number; checksum: string | null }>`
      select count(*)::int as n, md5(coalesce(string_agg(${sql.raw(row)}, '' order by ${sql.raw(row)}), '')) as checksum
      from ${sql.raw(quote(table))}`.execute(db);
    result[table] = { rows: Number(rows[0]?.n ?? 0), checksum: rows[0]?.checksum ?? '' };
  }
  return result;
}

/** The tables whose count or contents differ, with both fingerprints. */
export function differences(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names]
    .filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]))
    .map((name) => `${name}: ${JSON.stringify(before[name])} → ${JSON.stringify(after[name])}`);
}
