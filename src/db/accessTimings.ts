/**
 * The clocks of the access cache on PostgreSQL (src/db/accessListener.ts, src/db/accessBarrier.ts),
 * in one place because their safety rests on how they relate (tests/storage/accessTimings.test.ts):
 *
 * - Every HEARTBEAT_MS an instance with the cache on sends one statement on its listening
 *   connection that renews its lease (`access_cache_instances.alive_until`, LEASE_MS ahead by the
 *   database's clock) and notifies the channel. When that statement completes, PostgreSQL has
 *   delivered to the connection every notification committed before it: the instance has applied
 *   every change committed before the moment it sent the statement.
 * - The cache serves entries only until CAUGHT_UP_LIMIT_MS after the send time of the last such
 *   statement that completed (AccessCache#extend). So **an instance serving a cached entry at time
 *   t has applied every change committed before t − CAUGHT_UP_LIMIT_MS.** That is checked at every
 *   read, against the monotonic clock: a stalled event loop or a paused process cannot serve past it.
 * - A writer (the barrier) waits for every other registered instance to acknowledge its change,
 *   but never longer than BARRIER_BOUND_MS after its commit returned: by then, by the rule above,
 *   an instance that has not applied the change serves nothing from its cache.
 * - A writer stops waiting for an instance at once when its lease has lapsed, and deletes its row.
 *   A serving instance renewed its lease within CAUGHT_UP_LIMIT_MS, so its lease still has at least
 *   LEASE_MS − CAUGHT_UP_LIMIT_MS to run: a lapsed lease means the instance stopped serving. (This
 *   compares the instance's monotonic clock with PostgreSQL's wall clock over a few seconds; the
 *   difference is the margin that a forward step of PostgreSQL's clock must not exceed.)
 */

/** How often an instance renews its lease and proves its channel works. */
export const HEARTBEAT_MS = 1000;
/** How far behind the channel an instance may be and still serve cached entries. */
export const CAUGHT_UP_LIMIT_MS = 3000;
/** How long a renewed lease lasts, by the database's clock. */
export const LEASE_MS = 5000;
/** The longest a write's response waits for other instances (an unreachable one, whose lease has not lapsed yet). */
export const BARRIER_BOUND_MS = CAUGHT_UP_LIMIT_MS + 500;
/** How often a waiting writer reads the acknowledgements from the table (acknowledgements are also notified). */
export const BARRIER_POLL_MS = 25;
/** The listening connection gives up on a connect or a statement after this long. */
export const LISTENER_STATEMENT_TIMEOUT_MS = CAUGHT_UP_LIMIT_MS;
