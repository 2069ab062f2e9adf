import { createHash } from 'node:crypto';

/**
 * The audit log is a hash chain per organization (events without an organization form the
 * instance chain): each event stores the hash of the event before it in its chain and its own
 * hash over that link and all of its fields. Editing, deleting, inserting or reordering an event
 * breaks the chain at that point, which `gatehouse audit verify` finds. Cutting events off the
 * end is only visible against a head recorded earlier: verify prints each chain's head for that.
 */
export interface ChainedEvent {
  prevHash: string | null;
  id: string;
  orgId: string | null;
  action: string;
  actorId: string | null;
  targetId: string | null;
  data: unknown;
  createdAt: Date;
}

/** Domain separation: a hash of something else can never pass for an audit link. */
const VERSION = 'gatehouse.audit.v1';

/**
 * JSON with object keys sorted at every depth: the same value always encodes to the same text,
 * whatever order its keys were written in and whatever order jsonb hands them back in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  let out = '';
  // Default sort: UTF-16 code-unit order, the same in every process and locale.
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined || typeof item === 'function') continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `{${out}}`;
}

/**
 * Hex SHA-256 over a JSON array of the link and every field: an array of strings and nulls has
 * exactly one encoding, so no two different events (or a field moved into its neighbour) can
 * share an input. `data` is encoded canonically inside it.
 */
export function auditEventHash(event: ChainedEvent): string {
  const encoded = JSON.stringify([
    VERSION,
    event.prevHash,
    event.id,
    event.orgId,
    event.action,
    event.actorId,
    event.targetId,
    canonicalJson(event.data),
    event.createdAt.toISOString(),
  ]);
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}

/** Links events onto a chain whose newest hash is `head`, in order; returns each event's link and hash. */
export function chainEvents<T extends Omit<ChainedEvent, 'prevHash'>>(head: string | null, events: readonly T[]): Array<T & { prevHash: string | null; hash: string }> {
  let prevHash = head;
  return events.map((event) => {
    const hash = auditEventHash({ ...event, prevHash });
    const linked = { ...event, prevHash, hash };
    prevHash = hash;
    return linked;
  });
}

export type ChainBreak =
  /** The event's fields no longer give its stored hash: it was edited. */
  | 'hash_mismatch'
  /** The event does not link to the one before it: an event was deleted, inserted or moved. */
  | 'link_mismatch'
  /** The event carries no hash at all: written around the application. */
  | 'missing_hash';

/** Checks one stored event against the hash of the event before it in its chain (null: the first). */
export function checkLink(expectedPrev: string | null, event: ChainedEvent & { hash: string | null }): ChainBreak | null {
  if (event.hash === null) return 'missing_hash';
  if (event.prevHash !== expectedPrev) return 'link_mismatch';
  return auditEventHash(event) === event.hash ? null : 'hash_mismatch';
}
