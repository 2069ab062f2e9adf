/** How a write's wait for the other instances ended. */
export type WaitOutcome =
  /** Every instance it waited for acknowledged the sequence point, or left the table (closed, or lease lapsed). */
  | 'acknowledged'
  /** BARRIER_BOUND_MS passed first: those still silent are serving nothing cached by now (src/db/accessTimings.ts). */
  | 'bound';

interface Wait {
  readonly seq: number;
  readonly pending: Set<string>;
  readonly deadlineMs: number;
  readonly resolve: (outcome: WaitOutcome) => void;
}

/**
 * The writers of one instance waiting for other instances to acknowledge a sequence point — pure
 * bookkeeping, no I/O and no clock of its own (src/db/accessBarrier.ts feeds it):
 * acknowledgements heard on the channel, rows read from `access_cache_instances`, and the time.
 */
export class AccessWaits {
  readonly #waits = new Set<Wait>();
  /** The highest sequence point each instance has been heard acknowledging. */
  readonly #acked = new Map<string, number>();

  /** Whether anyone is waiting (the poller runs only then). */
  get waiting(): boolean {
    return this.#waits.size > 0;
  }

  /** The instances someone is waiting for. */
  pendingInstances(): string[] {
    const ids = new Set<string>();
    for (const wait of this.#waits) for (const id of wait.pending) ids.add(id);
    return [...ids];
  }

  /** Waits until every instance of `instanceIds` has acknowledged `seq` or is gone, or until `deadlineMs`. */
  add(seq: number, instanceIds: readonly string[], deadlineMs: number): Promise<WaitOutcome> {
    const pending = new Set(instanceIds.filter((id) => (this.#acked.get(id) ?? 0) < seq));
    if (pending.size === 0) return Promise.resolve('acknowledged');
    return new Promise((resolve) => this.#waits.add({ seq, pending, deadlineMs, resolve }));
  }

  /** An instance acknowledged `seq` (and so every sequence point before it). */
  acknowledged(instanceId: string, seq: number): void {
    if ((this.#acked.get(instanceId) ?? 0) >= seq) return;
    this.#acked.set(instanceId, seq);
    for (const wait of this.#waits) if (seq >= wait.seq) wait.pending.delete(instanceId);
    this.#settle();
  }

  /**
   * The table's rows for the instances asked about (`asked`): one that has no row any more has
   * closed or was evicted with its lease lapsed — either way it serves nothing that predates it.
   */
  polled(asked: readonly string[], rows: readonly { id: string; applied_seq: number }[]): void {
    const present = new Map(rows.map((row) => [row.id, row.applied_seq]));
    for (const id of asked) {
      const applied = present.get(id);
      if (applied === undefined) {
        this.#acked.delete(id);
        for (const wait of this.#waits) wait.pending.delete(id);
      } else {
        this.acknowledged(id, applied);
      }
    }
    this.#settle();
  }

  /** Ends the waits whose bound has passed. */
  tick(nowMs: number): void {
    for (const wait of this.#waits) {
      if (nowMs >= wait.deadlineMs) {
        this.#waits.delete(wait);
        wait.resolve('bound');
      }
    }
  }

  #settle(): void {
    for (const wait of this.#waits) {
      if (wait.pending.size === 0) {
        this.#waits.delete(wait);
        wait.resolve('acknowledged');
      }
    }
  }
}
