import { checkLink, type ChainBreak } from '../../core/auditChain.ts';
import type { Repos } from '../../db/repos.ts';

export interface ChainReport {
  /** null: the instance chain (events of no organization). */
  orgId: string | null;
  /** Events verified before the first break (all of them when the chain holds). */
  verified: number;
  /** The newest event's hash: record it elsewhere to detect events later cut off the end. */
  head: string | null;
  broken: { seq: number; id: string; reason: ChainBreak } | null;
}

const PAGE = 5000;

/**
 * Walks each chain in insertion order, recomputing every hash and link, and stops a chain at its
 * first broken link. Reads page by page, so a long log is never held in memory at once.
 */
export async function verifyAuditChains(
  r: Repos,
  options: { orgIds?: ReadonlyArray<string | null>; onProgress?: (orgId: string | null, verified: number) => void } = {},
): Promise<ChainReport[]> {
  const orgIds = options.orgIds ?? (await r.audit.chains());
  const reports: ChainReport[] = [];
  for (const orgId of orgIds) {
    const report: ChainReport = { orgId, verified: 0, head: null, broken: null };
    let afterSeq = 0;
    for (;;) {
      const page = await r.audit.chainPage(orgId, afterSeq, PAGE);
      for (const row of page) {
        const reason = checkLink(report.head, {
          prevHash: row.prev_hash,
          id: row.id,
          orgId: row.org_id,
          action: row.action,
          actorId: row.actor_id,
          targetId: row.target_id,
          data: row.data,
          createdAt: row.created_at,
          hash: row.hash,
        });
        if (reason) {
          report.broken = { seq: row.seq, id: row.id, reason };
          break;
        }
        report.head = row.hash;
        report.verified += 1;
      }
      if (report.broken || page.length < PAGE) break;
      afterSeq = page[page.length - 1]!.seq;
      options.onProgress?.(orgId, report.verified);
    }
    reports.push(report);
  }
  return reports;
}
