import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { AppDeps } from './app/deps.ts';
import type { Config } from './config.ts';
import { systemClock, type Clock } from './core/clock.ts';
import type { PlanCatalog } from './core/plans.ts';
import { systemRandom, type Random } from './core/random.ts';
import { TestClock } from './core/testClock.ts';
import { loadSecretKey } from './crypto/secretKey.ts';
import { openDatabase, type OpenDatabase } from './db/openDatabase.ts';
import { buildServer, type App } from './http/buildServer.ts';
import { JobRunner } from './jobs/jobRunner.ts';
import { deliverOutbox } from './mail/deliverOutbox.ts';
import { logOnlyTransport, type MailTransport } from './mail/transport.ts';
import { enforcementJobs } from './jobs/enforcementJobs.ts';
import { verifyWebauthnAssertion } from './app/factors/verifyWebauthnAssertion.ts';
import { loadOrCreateCaKey } from './ssh/caKey.ts';

export interface Gatehouse {
  readonly config: Config;
  readonly deps: AppDeps;
  readonly app: App;
  readonly jobs: JobRunner;
  readonly database: OpenDatabase;
  readonly testClock: TestClock | null;
  close(): Promise<void>;
}

export interface ComposeOptions {
  clock?: Clock;
  random?: Random;
  logger?: FastifyBaseLogger;
  plans?: PlanCatalog;
  transport?: MailTransport;
  /** An already open database (e.g. the embedded one restored from a snapshot); else config decides. */
  database?: OpenDatabase;
  /** Interval jobs (outbox, sweeps); tests turn them off and run jobs explicitly. */
  startJobs?: boolean;
}

/** The one composition root: the server, the CLI and the tests all build Gatehouse here. */
export async function createGatehouse(config: Config, options: ComposeOptions = {}): Promise<Gatehouse> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const testClock = config.testClock ? new TestClock(options.clock ?? systemClock) : null;
  const clock = testClock ?? options.clock ?? systemClock;
  const secretKey = loadSecretKey({ dataDir: config.dataDir, ...(config.secretKey ? { configured: config.secretKey } : {}) });
  const database = options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, cacheAccess: config.accessCache, holdWrites: true }));
  const transport =
    options.transport ??
    (config.smtpUrl
      ? (await import('./mail/smtpTransport.ts')).smtpTransport({ url: config.smtpUrl, from: config.mailFrom, messageIdDomain: new URL(config.publicUrl).hostname })
      : logOnlyTransport);

  let jobs: JobRunner | null = null;
  const deps: AppDeps = Object.freeze({
    db: database.db,
    ...(database.accessCache ? { accessCache: database.accessCache } : {}),
    ...(database.accessBarrier ? { accessBarrier: database.accessBarrier } : {}),
    clock,
    random: options.random ?? systemRandom,
    config,
    plans: options.plans ?? config.plans,
    secretKey,
    wakeOutbox: () => void jobs?.run('outbox'),
  });
  // PostgreSQL: a job that changed access facts (the grace sweep moving members to pending) is
  // done only once every other instance's cache has applied it, like a request's answer.
  const barrier = deps.accessBarrier;
  jobs = new JobRunner(
    [
      // Sweeps first: `runAll` (the test clock) then delivers the mail they queue before answering.
      ...enforcementJobs(deps),
      { name: 'outbox', intervalMs: 1000, run: () => deliverOutbox({ db: database.db, clock, transport, logger }) },
    ].map((job) => (barrier ? { ...job, run: () => barrier.around(() => job.run()) } : job)),
    logger,
  );
  const app = await buildServer(deps, {
    logger,
    extras: {
      webauthnAssertion: verifyWebauthnAssertion,
      sshCa: loadOrCreateCaKey({ dataDir: config.dataDir, ...(config.sshCaKeyPath ? { configuredPath: config.sshCaKeyPath } : {}) }),
      ...(testClock ? { testClock: { clock: testClock, runDue: () => jobs.runAll() } } : {}) },
  });
  if (options.startJobs !== false) jobs.start();

  return {
    config,
    deps,
    app,
    jobs,
    database,
    testClock,
    async close() {
      await jobs.stop();
      await app.close();
      transport.close();
      await database.close();
    },
  };
}
