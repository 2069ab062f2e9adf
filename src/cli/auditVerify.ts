import { verifyAuditChains, type ChainReport } from '../app/audit/verifyAuditChains.ts';
import type { Config } from '../config.ts';
import type { ChainBreak } from '../core/auditChain.ts';
import { openDatabase } from '../db/openDatabase.ts';
import { repos } from '../db/repos.ts';
import { parseCommandArgs, SLUG } from './args.ts';
import { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, UsageError } from './cliErrors.ts';

export const AUDIT_VERIFY_USAGE = 'gatehouse audit verify [--org SLUG]';

const MEANING: Readonly<Record<ChainBreak, string>> = {
  hash_mismatch: 'its contents were changed after it was written',
  link_mismatch: 'it does not follow the event before it (an event was deleted, inserted or moved)',
  missing_hash: 'it has no hash (it was written around Gatehouse)',
};

/**
 * `gatehouse audit verify [--org SLUG]`: recomputes every audit chain (or one organization's)
 * from the database and reports the first broken link. Each chain's head hash is printed: kept
 * somewhere else, it shows later whether events were cut off the end. On the embedded database,
 * stop the server first: the data directory admits one process.
 */
export async function auditVerify(config: Config, argv: readonly string[]): Promise<number> {
  let slug: string | undefined;
  try {
    const { values, positionals } = parseCommandArgs(argv, { org: { type: 'string' } }, AUDIT_VERIFY_USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${AUDIT_VERIFY_USAGE}`);
    if (values.org !== undefined && !SLUG.test(values.org)) throw new UsageError(`"${values.org}" is not an organization slug\nusage: ${AUDIT_VERIFY_USAGE}`);
    slug = values.org;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`gatehouse: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    const r = repos(database.db);
    let orgIds: Array<string | null> | undefined;
    if (slug !== undefined) {
      const org = await r.orgs.bySlug(slug);
      if (!org) {
        process.stderr.write(`gatehouse: no organization with slug ${slug}\n`);
        return EXIT_REFUSED;
      }
      orgIds = [org.id];
    }
    const slugs = new Map((await database.db.selectFrom('orgs').select(['id', 'slug']).execute()).map((org) => [org.id, org.slug]));
    const name = (orgId: string | null): string => (orgId === null ? 'instance' : `${slugs.get(orgId) ?? 'deleted organization'} (${orgId})`);
    const reports = await verifyAuditChains(r, {
      ...(orgIds ? { orgIds } : {}),
      onProgress: (orgId, verified) => process.stderr.write(`… ${name(orgId)}: ${verified} events verified so far\n`),
    });
    for (const report of reports) process.stdout.write(`${describe(report, name)}\n`);
    const broken = reports.find((report) => report.broken !== null);
    if (broken?.broken) {
      const { seq, id, reason } = broken.broken;
      process.stderr.write(`gatehouse: the audit chain of ${name(broken.orgId)} is broken at event ${id} (seq ${seq}): ${MEANING[reason]}\n`);
      return EXIT_REFUSED;
    }
    const total = reports.reduce((sum, report) => sum + report.verified, 0);
    process.stdout.write(`${total} events verified in ${reports.length} chain${reports.length === 1 ? '' : 's'}\n`);
    return EXIT_OK;
  } finally {
    await database.close();
  }
}

function describe(report: ChainReport, name: (orgId: string | null) => string): string {
  const state = report.broken ? `BROKEN at seq ${report.broken.seq} (${report.broken.reason}) after ${report.verified} good events` : `${report.verified} events verified`;
  return `${name(report.orgId)}: ${state}, head ${report.head ?? 'none'}`;
}
