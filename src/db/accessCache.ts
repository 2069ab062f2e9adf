import type { ResolvedCredential } from './queries/credentials.ts';
import type { OrgAccessRow } from './queries/orgs.ts';

interface Entry<T> {
  value: T;
  storedAtMs: number;
}

export interface AccessCacheOptions {
  /** How long an entry may be served; 5 s by default. Invalidation, not this, is what ends a revoked credential. */
  ttlMs?: number;
  /** Entries per map before it is emptied; bounds memory whatever the number of tokens. */
  maxEntries?: number;
  /** Monotonic milliseconds (injected for tests). */
  nowMs?: () => number;
}

/** Notification payloads (src/db/migrations/005_access_notifications.ts) and the heartbeat. */
const TOKEN = 't:';
const USER = 'u:';
const ORG = 'o:';
export const HEARTBEAT_PAYLOAD = 'hb';

/**
 * What the hot path reads on every request — a bearer credential with its user, and the facts of
 * one access decision (the organization's policy, the membership, whether the user has factors) —
 * kept in memory for a few seconds, and dropped the moment the database says it changed.
 *
 * Never outliving a revocation rests on three rules:
 * 1. Every write to those rows notifies, from a database trigger, at commit (migration 005), and
 *    `apply` drops what the notification names.
 * 2. Only a listening cache serves or stores anything: until its listener has LISTENed (and while
 *    the channel is in doubt) it is suspended, and resuming starts from empty, since notifications
 *    may have been missed meanwhile. On PostgreSQL it also serves only until a deadline, which the
 *    listener moves forward each time it has proved it is caught up with the channel
 *    (src/db/accessTimings.ts); a lapsed deadline is checked at every read, not by a timer, and a
 *    cache that lapsed starts from empty again.
 * 3. A value read from the database is stored only if no notification arrived while it was being
 *    read (`#generation`): otherwise a read that began before a revocation committed could put the
 *    revoked credential back after its notification had already been applied.
 * Expiry and idle limits depend on the clock, not on writes: callers still check them on every use.
 */
export class AccessCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #nowMs: () => number;
  readonly #credentials = new Map<string, Entry<ResolvedCredential>>();
  readonly #access = new Map<string, Entry<OrgAccessRow>>();
  /** Keys to drop when a user changes: credential keys start with `c`, access keys with `a`. */
  readonly #byUser = new Map<string, Set<string>>();
  /** Access keys to drop when an organization or one of its memberships changes. */
  readonly #byOrg = new Map<string, Set<string>>();
  /** Database reads under way, by key (credential keys start with `c`, access keys with `a`). */
  readonly #reads = new Map<string, { generation: number; promise: Promise<unknown> }>();
  #generation = 0;
  #listening = false;
  /** Entries are served and stored only before this instant (monotonic ms); PGlite never lapses. */
  #servingUntilMs = Number.POSITIVE_INFINITY;

  constructor(options: AccessCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#nowMs = options.nowMs ?? (() => performance.now());
  }

  /** Whether entries are being served (the listener is up, trusted, and caught up within its deadline). */
  get listening(): boolean {
    return this.#serving();
  }

  /** The listener is up: start serving, from empty, until `untilMs` (for ever by default). */
  resume(untilMs = Number.POSITIVE_INFINITY): void {
    this.clear();
    this.#listening = true;
    this.#servingUntilMs = untilMs;
  }

  /**
   * The listener has proved it is caught up: serve until `untilMs`. If the previous deadline had
   * already passed, changes may have gone unapplied meanwhile while writers stopped waiting for
   * this instance (src/db/accessBarrier.ts), so the entries go. Ignored while suspended: only
   * `resume` starts a suspended cache.
   */
  extend(untilMs: number): void {
    if (!this.#listening) return;
    if (this.#nowMs() >= this.#servingUntilMs) this.clear();
    this.#servingUntilMs = Math.max(this.#servingUntilMs, untilMs);
  }

  /** The channel is down or in doubt: serve nothing, keep nothing. */
  suspend(): void {
    this.#listening = false;
    this.clear();
  }

  clear(): void {
    this.#generation += 1;
    this.#credentials.clear();
    this.#access.clear();
    this.#byUser.clear();
    this.#byOrg.clear();
  }

  /** Applies one notification from the `gatehouse_access` channel. */
  apply(payload: string): void {
    if (payload === HEARTBEAT_PAYLOAD) return;
    this.#generation += 1;
    if (payload.startsWith(TOKEN)) {
      this.#credentials.delete(payload.slice(TOKEN.length));
    } else if (payload.startsWith(USER)) {
      const userId = payload.slice(USER.length);
      for (const key of this.#byUser.get(userId) ?? []) {
        if (key.startsWith('c')) this.#credentials.delete(key.slice(1));
        else this.#access.delete(key.slice(1));
      }
      this.#byUser.delete(userId);
    } else if (payload.startsWith(ORG)) {
      const orgId = payload.slice(ORG.length);
      for (const key of this.#byOrg.get(orgId) ?? []) this.#access.delete(key);
      this.#byOrg.delete(orgId);
    } else {
      // Something this version does not know about: dropping everything is always safe.
      this.clear();
    }
  }

  /** A session or personal access token by the hash of its token; `load` reads the database on a miss. */
  credential(tokenHash: string, load: () => Promise<ResolvedCredential | undefined>): Promise<ResolvedCredential | undefined> {
    return this.#read(this.#credentials, tokenHash, `c${tokenHash}`, load, (value) => {
      index(this.#byUser, value.userId, `c${tokenHash}`);
      return freezeCredential(value);
    });
  }

  /** The facts of the access decision for `userId` in the organization `slug`; unknown organizations are not kept. */
  access(slug: string, userId: string, load: () => Promise<OrgAccessRow | undefined>): Promise<OrgAccessRow | undefined> {
    const key = `${slug}\u0000${userId}`;
    return this.#read(this.#access, key, `a${key}`, load, (value) => {
      index(this.#byUser, userId, `a${key}`);
      index(this.#byOrg, value.org.id, key);
      return freezeAccessRow(value);
    });
  }

  /**
   * A hit, or one database read shared by every request that misses on the same key meanwhile:
   * under load, a popular token that has just expired from the cache would otherwise send one
   * identical query per waiting request. A request only joins a read that began in the current
   * generation; one that began before a notification may hold the old row, so after a
   * notification the next request starts a read of its own.
   */
  #read<T>(map: Map<string, Entry<T>>, key: string, readKey: string, load: () => Promise<T | undefined>, keep: (value: T) => T): Promise<T | undefined> {
    const hit = this.#fresh(map, key);
    if (hit) return Promise.resolve(hit);
    const joined = this.#reads.get(readKey);
    if (joined && joined.generation === this.#generation) return joined.promise as Promise<T | undefined>;
    const generation = this.#generation;
    const promise = load()
      .then((value) => {
        if (value && this.#mayStore(generation, map)) map.set(key, { value: keep(value), storedAtMs: this.#nowMs() });
        return value;
      })
      .finally(() => {
        if (this.#reads.get(readKey)?.promise === promise) this.#reads.delete(readKey);
      });
    this.#reads.set(readKey, { generation, promise });
    return promise;
  }

  #serving(): boolean {
    return this.#listening && this.#nowMs() < this.#servingUntilMs;
  }

  #fresh<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
    if (!this.#serving()) return undefined;
    const entry = map.get(key);
    if (!entry) return undefined;
    if (this.#nowMs() - entry.storedAtMs >= this.#ttlMs) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  #mayStore(generation: number, map: Map<string, unknown>): boolean {
    if (!this.#serving() || generation !== this.#generation) return false;
    if (map.size >= this.#maxEntries) this.clear();
    return true;
  }
}

function index(map: Map<string, Set<string>>, id: string, key: string): void {
  const keys = map.get(id);
  if (keys) keys.add(key);
  else map.set(id, new Set([key]));
}

// Cached values are shared by concurrent requests: nobody may change them in place.
function freezeCredential(credential: ResolvedCredential): ResolvedCredential {
  Object.freeze(credential.amr);
  return Object.freeze(credential);
}

function freezeAccessRow(row: OrgAccessRow): OrgAccessRow {
  Object.freeze(row.org);
  if (row.membership) Object.freeze(row.membership);
  return Object.freeze(row);
}
