import { newId, type IdPrefix } from '../core/ids.ts';
import type { OutboxMessage } from '../db/queries/outbox.ts';
import { repos, type Repos } from '../db/repos.ts';
import type { AppDeps } from './deps.ts';

export interface AuditEvent {
  orgId: string | null;
  action: string;
  actorId: string | null;
  targetId?: string | null;
  data?: Record<string, unknown>;
}

export type Mail = Omit<OutboxMessage, 'id'>;

/** One use case's unit of work: its queries, its instant, and what it records. */
export interface Tx {
  readonly r: Repos;
  readonly now: Date;
  id(prefix: IdPrefix): string;
  audit(event: AuditEvent): void;
  mail(message: Mail): void;
}

/** What a transaction needs: operator commands, which run without a server, build just this. */
export type TransactDeps = Pick<AppDeps, 'db' | 'clock' | 'random' | 'wakeOutbox'>;

/**
 * Check, act and record in one transaction: audit events and outbox rows commit with the change
 * or not at all. Mail is never sent from here; the outbox worker delivers after the commit.
 */
export async function transact<T>(deps: TransactDeps, work: (tx: Tx) => Promise<T>): Promise<T> {
  const now = deps.clock.now();
  let queuedMail = false;
  const result = await deps.db.transaction().execute(async (trx) => {
    const r = repos(trx);
    const events: AuditEvent[] = [];
    const mails: Mail[] = [];
    const tx: Tx = {
      r,
      now,
      id: (prefix) => newId(deps.random, prefix),
      audit: (event) => events.push(event),
      mail: (message) => mails.push(message),
    };
    const value = await work(tx);
    await r.audit.insert(
      events.map((event) => ({
        id: newId(deps.random, 'evt'),
        orgId: event.orgId,
        action: event.action,
        actorId: event.actorId,
        targetId: event.targetId ?? null,
        data: event.data ?? {},
        now,
      })),
    );
    await r.outbox.enqueue(
      mails.map((mail) => ({ ...mail, id: newId(deps.random, 'mail') })),
      now,
    );
    queuedMail = mails.length > 0;
    return value;
  });
  if (queuedMail) deps.wakeOutbox();
  return result;
}
