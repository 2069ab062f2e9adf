import type { FastifyBaseLogger } from 'fastify';
import { addSeconds, type Clock } from '../core/clock.ts';
import type { Database } from '../db/schema.ts';
import { repos } from '../db/repos.ts';
import type { Kysely } from 'kysely';
import type { MailTransport } from './transport.ts';

const BATCH = 20;
const LEASE_SECONDS = 60;
const MAX_BACKOFF_SECONDS = 3600;
/**
 * One run stops taking batches after this long and leaves the rest to the next tick, so a
 * shutdown waits for one batch, not for a whole backlog (a large enforcement queues 30,000 mails).
 */
const RUN_BUDGET_MS = 5000;

/** 2, 4, 8 … seconds, capped at an hour: a mail server that is down gets time to come back. */
export function backoffSeconds(attempts: number): number {
  return Math.min(2 ** Math.max(1, attempts), MAX_BACKOFF_SECONDS);
}

/**
 * Delivers due outbox rows. A row is claimed (leased) in one short transaction, sent outside any
 * transaction, then marked sent; a crash between send and mark leaves a lease that expires and a
 * retry carrying the same Message-ID. Without SMTP the message is logged once and stays queued.
 */
export async function deliverOutbox(deps: { db: Kysely<Database>; clock: Clock; transport: MailTransport; logger: FastifyBaseLogger }): Promise<number> {
  const r = repos(deps.db);
  let delivered = 0;
  const started = performance.now();
  for (;;) {
    if (performance.now() - started > RUN_BUDGET_MS) return delivered;
    const now = deps.clock.now();
    const rows = await deps.db
      .transaction()
      .execute((trx) => repos(trx).outbox.claimDue(now, addSeconds(now, LEASE_SECONDS), BATCH, { unloggedOnly: deps.transport.kind === 'log' }));
    if (rows.length === 0) return delivered;
    for (const row of rows) {
      if (deps.transport.kind === 'log') {
        deps.logger.info({ mail: { id: row.id, to: row.recipient, subject: row.subject, text: row.text_body } }, 'mail not sent (no SMTP_URL): kept in the outbox');
        await r.outbox.markLogged(row.id, deps.clock.now());
        continue;
      }
      try {
        await deps.transport.send({ id: row.id, to: row.recipient, subject: row.subject, text: row.text_body, html: row.html_body });
        await r.outbox.markSent(row.id, deps.clock.now());
        delivered += 1;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await r.outbox.markFailed(row.id, addSeconds(deps.clock.now(), backoffSeconds(row.attempts)), message);
        deps.logger.warn({ mail: row.id, attempts: row.attempts, err: message }, 'mail delivery failed; will retry');
      }
    }
    if (rows.length < BATCH) return delivered;
  }
}
