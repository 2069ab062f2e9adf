import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { createGatehouse, type Gatehouse } from '../../src/compose.ts';
import { parseConfig } from '../../src/config.ts';
import type { OutgoingMail } from '../../src/mail/transport.ts';
import type { TestUser } from '../helpers/flows.ts';
import { memoryTransport, type Harness } from '../helpers/harness.ts';
import { createFreshDatabase } from '../helpers/testDatabase.ts';
import { startPgProxy, type PgProxy } from './pgProxy.ts';
import { POSTGRES_URL } from './twoProcesses.ts';

export interface TwoInstances {
  /** Instance A in the harness shape, so the flows helpers can drive it. */
  a: Harness;
  /** Instance B, asked directly. */
  b: Gatehouse;
  /** B's link to PostgreSQL (latency, partition), when asked for with `proxyB`. */
  proxy: PgProxy | null;
  /** The shared database's URL and the secret key both instances use, for starting more instances. */
  databaseUrl: string;
  secretKey: string;
  /** Notifies on the access channel from a connection of neither instance. */
  notify(payload: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Two Gatehouse instances in this process on one fresh PostgreSQL database, as replicas are.
 * With `proxyB`, instance B reaches PostgreSQL through a proxy that the test controls.
 */
export async function startTwoInstances(env: Record<string, string> = {}, options: { proxyB?: boolean } = {}): Promise<TwoInstances> {
  const fresh = await createFreshDatabase(POSTGRES_URL);
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-instances-'));
  const secretKey = randomBytes(32).toString('base64');
  const proxy = options.proxyB ? await startPgProxy() : null;
  const configFor = (databaseUrl: string) =>
    parseConfig({ DATABASE_URL: databaseUrl, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET_KEY: secretKey, GATEHOUSE_PUBLIC_URL: 'http://gatehouse.test', GATEHOUSE_TEST_CLOCK: '1', ...env });
  const mail: OutgoingMail[] = [];
  const instances: Gatehouse[] = [];
  for (const url of [fresh.url, proxy ? proxy.urlFor(fresh.url) : fresh.url]) {
    instances.push(await createGatehouse(configFor(url), { logger: pino({ level: 'silent' }), startJobs: false, transport: memoryTransport(mail) }));
  }
  const [first, second] = instances as [Gatehouse, Gatehouse];
  const outsider = new pg.Client({ connectionString: fresh.url });
  await outsider.connect();
  return {
    a: { gatehouse: first, mail, databaseUrl: fresh.url, advance: async (seconds) => void first.testClock?.advance(seconds), close: async () => {} },
    b: second,
    proxy,
    databaseUrl: fresh.url,
    secretKey,
    notify: async (payload) => void (await outsider.query(`select pg_notify('gatehouse_access', $1)`, [payload])),
    async close() {
      proxy?.resume();
      await outsider.end();
      for (const instance of instances) await instance.close();
      await proxy?.close();
      await fresh.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `GET /v1/orgs/{slug}/access` asked of one instance directly. */
export async function accessOn(instance: Gatehouse, user: TestUser, slug: string): Promise<{ status: number; body: any }> {
  const response = await instance.app.inject({ method: 'GET', url: `/v1/orgs/${slug}/access`, headers: { authorization: `Bearer ${user.token}` } });
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

/**
 * Resolves once `instance`'s listener has applied every notification committed before this call,
 * independently of the barrier: a marker is notified from outside both instances, and
 * notifications arrive in commit order. (Notifications still arriving would, rightly, keep the
 * instance from caching what it reads.)
 */
export async function caughtUp(instance: Gatehouse, pair: TwoInstances): Promise<void> {
  const cache = instance.deps.accessCache;
  if (!cache) throw new Error('the instance has no access cache');
  const marker = `t:marker-${randomBytes(8).toString('hex')}`;
  const applied = new Promise<void>((resolve) => {
    const apply = cache.apply.bind(cache);
    cache.apply = (payload: string) => {
      apply(payload);
      if (payload === marker) {
        cache.apply = apply;
        resolve();
      }
    };
  });
  await pair.notify(marker);
  await applied;
}

/**
 * Asks `instance` twice and checks that the second answer came from its cache (no SQL statement),
 * or a test of what the cache does after a change would prove nothing. First waits until the
 * instance has caught up with what was written before (without relying on the barrier, so that
 * a test without it fails where it should, not here). Statements are counted on the executor
 * class, which both in-process instances share: the other must be idle meanwhile.
 */
export async function cachedAccessOn(instance: Gatehouse, user: TestUser, slug: string, pair: TwoInstances): Promise<{ status: number; body: any }> {
  if (!instance.deps.accessCache?.listening) throw new Error('the instance is not serving its access cache');
  await caughtUp(instance, pair);
  // Twice: a first request may touch the session (at most once a minute), which drops the credential it cached.
  await accessOn(instance, user, slug);
  await accessOn(instance, user, slug);
  let statements = 0;
  const executor = Object.getPrototypeOf(instance.deps.db.getExecutor()) as { executeQuery: (...args: unknown[]) => Promise<unknown> };
  const original = executor.executeQuery;
  executor.executeQuery = function (this: unknown, ...args: unknown[]) {
    statements += 1;
    return original.apply(this, args);
  };
  try {
    const answer = await accessOn(instance, user, slug);
    if (statements !== 0) throw new Error(`the second request sent ${statements} statements: not answered from the cache`);
    return answer;
  } finally {
    executor.executeQuery = original;
  }
}
