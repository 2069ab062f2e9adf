import type { FastifyBaseLogger } from 'fastify';

export interface Job {
  name: string;
  intervalMs: number;
  run(): Promise<unknown>;
}

/**
 * Runs idempotent jobs on intervals. Rules about time live in stored deadlines read at request
 * time; jobs only carry out side effects (mail, moving members to pending), so running one late,
 * twice, or on two instances at once changes nothing but timing.
 */
export class JobRunner {
  readonly #jobs: readonly Job[];
  readonly #logger: FastifyBaseLogger;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #running = new Map<string, Promise<void>>();
  #stopped = false;

  constructor(jobs: readonly Job[], logger: FastifyBaseLogger) {
    this.#jobs = jobs;
    this.#logger = logger;
  }

  start(): void {
    for (const job of this.#jobs) {
      const timer = setInterval(() => void this.run(job.name), job.intervalMs);
      timer.unref();
      this.#timers.push(timer);
    }
  }

  /** Runs one job now, or joins its run already under way. */
  run(name: string): Promise<void> {
    const job = this.#jobs.find((candidate) => candidate.name === name);
    if (!job || this.#stopped) return Promise.resolve();
    const current = this.#running.get(name);
    if (current) return current.then(() => this.#start(job));
    return this.#start(job);
  }

  #start(job: Job): Promise<void> {
    const existing = this.#running.get(job.name);
    if (existing) return existing;
    const promise = job
      .run()
      .then(() => undefined)
      .catch((error: unknown) => this.#logger.error({ err: error, job: job.name }, 'job failed'))
      .finally(() => this.#running.delete(job.name));
    this.#running.set(job.name, promise);
    return promise;
  }

  /** Every job once, in order: what the test clock does after moving time. */
  async runAll(): Promise<void> {
    for (const job of this.#jobs) await this.run(job.name);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.all(this.#running.values());
  }
}
