import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import * as initial from './migrations/001_initial.ts';
import * as sshCertificates from './migrations/002_ssh_certificates.ts';
import * as oidc from './migrations/003_oidc.ts';
import * as auditChain from './migrations/004_audit_chain.ts';
import * as accessNotifications from './migrations/005_access_notifications.ts';
import * as mailThrottles from './migrations/006_mail_throttles.ts';
import * as accessBarrier from './migrations/007_access_barrier.ts';
import * as passwordCompromise from './migrations/008_password_compromise.ts';
import * as quietCounters from './migrations/009_quiet_counters.ts';

/** Migrations live in code, in order; Kysely's migrator locks so concurrent starts apply them once. */
const migrations: Record<string, Migration> = {
  '001_initial': initial,
  '002_ssh_certificates': sshCertificates,
  '003_oidc': oidc,
  '004_audit_chain': auditChain,
  '005_access_notifications': accessNotifications,
  '006_mail_throttles': mailThrottles,
  '007_access_barrier': accessBarrier,
  '008_password_compromise': passwordCompromise,
  '009_quiet_counters': quietCounters,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** The migrations before `name`, in order: a database as an older version left it (to test a migration on existing rows). */
export function migrationsBefore(name: string): Record<string, Migration> {
  return Object.fromEntries(Object.entries(migrations).filter(([other]) => other < name));
}

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  if (await upToDate(db)) return;
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
}

/**
 * Every start asks this first: one query instead of the migrator's round of table checks, lock and
 * reads, which on the embedded database is a noticeable part of a cold start. Anything other than
 * exactly our migrations applied (a fresh database, a pending migration, one we do not know) goes
 * through the migrator, which locks and applies or reports as before.
 */
async function upToDate(db: Kysely<unknown>): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const applied = new Set(rows.map((row) => row.name));
    const known = Object.keys(migrations);
    return applied.size === known.length && known.every((name) => applied.has(name));
  } catch {
    return false;
  }
}
