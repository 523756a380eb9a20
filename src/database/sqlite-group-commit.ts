import type { WriteStep } from './atomic-writer';
import type { SqliteOutcome, SqliteStatement } from './sqlite-batch';

export type { SqliteDatabase } from './sqlite-batch';

/** A step whose expectation failed: the request is refused, nothing of it stays. */
export class Refused extends Error {
  constructor(readonly step: WriteStep) {
    super('an atomic write was refused');
  }
}

/** Runs one batch — the writes of several requests — and commits it (see SqliteBatch). */
export interface SqliteBatchRunner {
  run(batch: SqliteStatement[][]): Promise<SqliteOutcome[]>;
  close(): Promise<void>;
}

interface Pending {
  steps: readonly WriteStep[];
  resolve(changes: number[]): void;
  reject(error: unknown): void;
}

/**
 * SQLite writes of concurrent requests, committed together: the requests that reach their final
 * write while the previous batch is being committed (or in the same event-loop turn) share one
 * transaction, each in a savepoint of its own, so one commit — one fsync with
 * `synchronous = FULL` — covers them all. A request is answered only after the commit that holds
 * its writes returned: durable as a commit each, at a fraction of the fsyncs. One batch is in
 * flight at a time, so batches commit in order.
 */
export class SqliteGroupCommit {
  private pending: Pending[] = [];
  private inFlight?: Promise<void>;

  constructor(private readonly runner: SqliteBatchRunner) {}

  /** Resolves with the rows each step changed, once the batch holding them committed. */
  commit(steps: readonly WriteStep[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ steps, resolve, reject });
      // The first of a turn schedules the flush; the others of the turn join it. While a batch is
      // in flight, requests gather for the next one, which starts when it returns.
      if (this.pending.length === 1 && !this.inFlight) setImmediate(() => this.flush());
    });
  }

  /** Commits what is pending, then stops the runner. */
  async close(): Promise<void> {
    while (this.inFlight || this.pending.length) await (this.inFlight ?? this.flush());
    await this.runner.close();
  }

  private flush(): Promise<void> {
    if (this.inFlight || !this.pending.length) return this.inFlight ?? Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    const statements = batch.map(({ steps }) => steps.map(({ sql, params, expect }) => ({ sql, params, expect })));
    this.inFlight = this.runner.run(statements).then(
      (outcomes) => batch.forEach((item, i) => settle(item, outcomes[i])),
      // The commit failed, or SQLite dropped the transaction: none of the batch's writes holds.
      (error) => batch.forEach((item) => item.reject(error)),
    ).finally(() => {
      this.inFlight = undefined;
      if (this.pending.length) void this.flush();
    });
    return this.inFlight;
  }
}

function settle(item: Pending, outcome: SqliteOutcome | undefined): void {
  if (outcome && 'ok' in outcome) item.resolve(outcome.changes);
  else if (outcome && 'refused' in outcome) item.reject(new Refused(item.steps[outcome.refused]));
  else item.reject(outcome?.error ?? new Error('the write has no outcome'));
}
