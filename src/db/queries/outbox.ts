import { sql, type Selectable } from 'kysely';
import type { Db, OutboxTable } from '../schema.ts';

export type OutboxRow = Selectable<OutboxTable>;

export interface OutboxMessage {
  id: string;
  kind: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
}

const INSERT_BATCH = 500;

function sameBody(a: OutboxMessage, b: OutboxMessage): boolean {
  return a.kind === b.kind && a.subject === b.subject && a.text === b.text && a.html === b.html;
}

export class OutboxQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async enqueue(messages: readonly OutboxMessage[], now: Date): Promise<void> {
    for (let start = 0; start < messages.length; start += INSERT_BATCH) {
      await this.#db
        .insertInto('outbox')
        .values(
          messages.slice(start, start + INSERT_BATCH).map((message) => ({
            id: message.id,
            kind: message.kind,
            recipient: message.recipient,
            subject: message.subject,
            text_body: message.text,
            html_body: message.html,
            created_at: now,
            next_attempt_at: now,
            claimed_until: null,
            sent_at: null,
            logged_at: null,
            last_error: null,
          })),
        )
        .execute();
    }
  }

  /**
   * `enqueue` for many messages in ONE statement, whatever their number: the rows travel as
   * arrays (`unnest`), and bodies shared by several messages (a bulk mail differs only in its
   * recipient) are sent once and joined back, so 30,000 rejoin mails are not 30,000 copies of
   * the same text on the wire. Rows get their sequence numbers in the order given.
   */
  async enqueueMany(messages: readonly OutboxMessage[], now: Date): Promise<void> {
    if (messages.length === 0) return;
    const bodyIndex = new Map<string, number>();
    const bodies = { kind: [] as string[], subject: [] as string[], text: [] as string[], html: [] as string[] };
    const rows = { id: [] as string[], recipient: [] as string[], body: [] as number[] };
    let previous: { message: OutboxMessage; index: number } | null = null;
    for (const message of messages) {
      let index: number | undefined;
      // A bulk mail repeats the previous body: comparing with it is cheaper than a map lookup.
      if (previous && sameBody(previous.message, message)) index = previous.index;
      else {
        const key = `${message.kind}\u0000${message.subject}\u0000${message.text}\u0000${message.html}`;
        index = bodyIndex.get(key);
        if (index === undefined) {
          index = bodies.kind.length + 1;
          bodyIndex.set(key, index);
          bodies.kind.push(message.kind);
          bodies.subject.push(message.subject);
          bodies.text.push(message.text);
          bodies.html.push(message.html);
        }
      }
      previous = { message, index };
      rows.id.push(message.id);
      rows.recipient.push(message.recipient);
      rows.body.push(index);
    }
    await sql`
      insert into outbox (id, kind, recipient, subject, text_body, html_body, created_at, next_attempt_at)
      select r.id, b.kind, r.recipient, b.subject, b.text_body, b.html_body, ${now}, ${now}
      from unnest(${rows.id}::text[], ${rows.recipient}::text[], ${rows.body}::int[]) with ordinality as r(id, recipient, body, position)
      join unnest(${bodies.kind}::text[], ${bodies.subject}::text[], ${bodies.text}::text[], ${bodies.html}::text[])
        with ordinality as b(kind, subject, text_body, html_body, number) on b.number = r.body
      order by r.position`.execute(this.#db);
  }

  /**
   * Claims due rows with a lease. SKIP LOCKED lets several workers (or instances) share the queue
   * without two of them taking the same row; the lease returns a row to the queue if its worker dies.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number, options: { unloggedOnly?: boolean } = {}): Promise<OutboxRow[]> {
    const due = this.#db
      .selectFrom('outbox')
      .select('seq')
      .where('sent_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .$if(options.unloggedOnly === true, (query) => query.where('logged_at', 'is', null))
      .orderBy('seq')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    return this.#db
      .updateTable('outbox')
      .set((eb) => ({ claimed_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where('seq', 'in', due)
      .returningAll()
      .execute();
  }

  async markSent(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('outbox').set({ sent_at: now, claimed_until: null, last_error: null }).where('id', '=', id).execute();
  }

  async markLogged(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('outbox').set({ logged_at: now, claimed_until: null }).where('id', '=', id).execute();
  }

  async markFailed(id: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.#db
      .updateTable('outbox')
      .set({ claimed_until: null, next_attempt_at: nextAttemptAt, last_error: error.slice(0, 500) })
      .where('id', '=', id)
      .execute();
  }

  list(options: { recipient?: string; limit: number }): Promise<OutboxRow[]> {
    let query = this.#db.selectFrom('outbox').selectAll();
    if (options.recipient) query = query.where('recipient', '=', options.recipient);
    return query.orderBy('seq', 'desc').limit(options.limit).execute();
  }
}
