import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Clock } from '../core/clock.ts';
import type { Channel } from '../core/decideAccess.ts';
import type { PlanCatalog } from '../core/plans.ts';
import type { Random } from '../core/random.ts';
import type { AccessBarrier } from '../db/accessBarrier.ts';
import type { AccessCache } from '../db/accessCache.ts';
import type { ResolvedCredential } from '../db/queries/credentials.ts';
import type { Database } from '../db/schema.ts';

/** What every use case receives from the composition root. */
export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly random: Random;
  readonly config: Config;
  readonly plans: PlanCatalog;
  /** Key for TOTP secrets at rest (AES-256-GCM). */
  readonly secretKey: Uint8Array;
  /** Called after a commit that queued mail, so delivery starts at once instead of at the next tick. */
  readonly wakeOutbox: () => void;
  /**
   * Credentials and access facts of the hot path, dropped as soon as the database notifies a
   * change (src/db/accessCache.ts). Only reads outside a transaction may use it.
   */
  readonly accessCache?: AccessCache;
  /**
   * PostgreSQL: requests and jobs that changed access facts answer only once every other
   * instance's cache has applied the change (src/db/accessBarrier.ts; the HTTP hooks in
   * src/http/buildServer.ts, the job wrapper in src/compose.ts).
   */
  readonly accessBarrier?: AccessBarrier;
}

/** The authenticated caller of a use case, with what their credential proved. */
export interface Actor {
  readonly userId: string;
  readonly email: string;
  readonly credential: ResolvedCredential;
  /** How the request came in: the console (cookie) or the API (bearer token). */
  readonly channel: Channel;
}
