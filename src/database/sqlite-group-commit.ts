import type { WriteStep } from './atomic-writer';
import { isUniqueViolation } from './unique-violation';

/** The part of a better-sqlite3 Database this uses. */
export interface SqliteDatabase {
  prepare(sql: string): { run(...params: unknown[]): { changes: number } };
  transaction<A extends unknown[], R>(work: (...args: A) => R): (...args: A) => R;
  /** False once SQLite rolled the whole transaction back (SQLITE_FULL, IOERR, NOMEM, ...). */
  readonly inTransaction: boolean;
}

/** SQLite dropped the batch's whole transaction: no write of the batch holds, none may run on its own. */
class BatchAborted extends Error {
  constructor(readonly reason: unknown) {
    super('the group commit was rolled back');
  }
}

/** A step whose expectation failed: the request is refused, nothing of it stays. */
export class Refused extends Error {
  constructor(readonly step: WriteStep) {
    super('an atomic write was refused');
  }
}

interface Pending {
  steps: readonly WriteStep[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * SQLite writes of concurrent requests, committed together. Each request's steps run in a
 * savepoint of their own (all or nothing, as alone), and the requests that reached their final
 * write in the same event-loop turn share one transaction, so one commit — one fsync with
 * `synchronous = FULL` — covers them all. A request is answered only after the commit that holds
 * its writes returned: durable as a commit each, at a fraction of the fsyncs. The statements run
 * synchronously on better-sqlite3's one connection, so no other request's statement interleaves.
 */
export class SqliteGroupCommit {
  private pending: Pending[] = [];
  private readonly statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  /** One request's steps: nested in the batch's transaction, better-sqlite3 makes it a savepoint. */
  private readonly runOne: (steps: readonly WriteStep[]) => void;
  private readonly runBatch: (batch: Pending[]) => unknown[];

  constructor(private readonly db: SqliteDatabase) {
    this.runOne = db.transaction((steps: readonly WriteStep[]) => this.run(steps));
    this.runBatch = db.transaction((batch: Pending[]) =>
      batch.map((item) => {
        try {
          this.runOne(item.steps);
          return undefined;
        } catch (error) {
          // Most failures roll back only the item's savepoint; some make SQLite drop the whole
          // transaction, and then every item of the batch failed (the later ones must not run alone).
          if (!this.db.inTransaction) throw new BatchAborted(error);
          return error ?? new Error('write failed');
        }
      }),
    );
  }

  commit(steps: readonly WriteStep[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ steps, resolve, reject });
      // The first of a turn schedules the flush; the others of the turn join it.
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    let outcomes: unknown[];
    try {
      outcomes = this.runBatch(batch);
    } catch (error) {
      // The commit failed, or SQLite dropped the transaction: none of the batch's writes holds.
      const reason = error instanceof BatchAborted ? error.reason : error;
      for (const item of batch) item.reject(reason);
      return;
    }
    batch.forEach((item, i) => (outcomes[i] === undefined ? item.resolve() : item.reject(outcomes[i])));
  }

  private run(steps: readonly WriteStep[]): void {
    for (const step of steps) {
      let changes: number;
      try {
        changes = this.prepared(step.sql).run(...step.params).changes;
      } catch (error) {
        if (step.expect === 'new-key' && isUniqueViolation(error)) throw new Refused(step);
        throw error;
      }
      if (step.expect === 'one-row' && changes !== 1) throw new Refused(step);
    }
  }

  private prepared(sql: string): ReturnType<SqliteDatabase['prepare']> {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }
}
