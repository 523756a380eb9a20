/**
 * The synchronous core of SQLite's group commit, shared by the writer thread and the in-process
 * fallback: the writes of several requests in one transaction, each request's in a savepoint of
 * its own, so one commit (one fsync with `synchronous = FULL`) covers them all and a refused
 * request leaves nothing behind.
 */

/** What a step of an atomic write needs to run (see WriteStep; its `refused` callback stays behind). */
export interface SqliteStatement {
  sql: string;
  params: readonly unknown[];
  expect?: 'one-row' | 'new-key';
}

/** The part of a better-sqlite3 Database this uses. */
export interface SqliteDatabase {
  prepare(sql: string): { run(...params: unknown[]): { changes: number } };
  transaction<A extends unknown[], R>(work: (...args: A) => R): (...args: A) => R;
  /** False once SQLite rolled the whole transaction back (SQLITE_FULL, IOERR, NOMEM, ...). */
  readonly inTransaction: boolean;
}

/** How one request's writes ended: stored (with the rows each step changed), refused at step `refused` (an expectation failed), or failed. */
export type SqliteOutcome = { ok: true; changes: number[] } | { refused: number } | { error: unknown };

/** SQLite dropped the batch's whole transaction: no write of the batch holds. */
export class SqliteBatchAborted extends Error {
  constructor(readonly reason: unknown) {
    super('the group commit was rolled back');
  }
}

/** A step whose expectation failed: the request is refused, nothing of it stays. */
class StepRefused extends Error {
  constructor(readonly index: number) {
    super('an atomic write was refused');
  }
}

/** SQLite's primary-key and unique-constraint failures, as better-sqlite3 reports them. */
export function isSqliteUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class SqliteBatch {
  private readonly statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  /** One request's steps: nested in the batch's transaction, better-sqlite3 makes it a savepoint. */
  private readonly runOne: (steps: readonly SqliteStatement[]) => number[];
  private readonly runAll: (batch: readonly (readonly SqliteStatement[])[]) => SqliteOutcome[];

  constructor(private readonly db: SqliteDatabase) {
    this.runOne = db.transaction((steps: readonly SqliteStatement[]) => this.run(steps));
    this.runAll = db.transaction((batch: readonly (readonly SqliteStatement[])[]) =>
      batch.map((steps): SqliteOutcome => {
        try {
          return { ok: true, changes: this.runOne(steps) };
        } catch (error) {
          // Most failures roll back only the item's savepoint; some make SQLite drop the whole
          // transaction, and then every item of the batch failed (the later ones must not run alone).
          if (!this.db.inTransaction) throw new SqliteBatchAborted(error);
          return error instanceof StepRefused ? { refused: error.index } : { error: error ?? new Error('write failed') };
        }
      }),
    );
  }

  /** Runs and commits `batch`; throws SqliteBatchAborted (or the commit's error) when none of it holds. */
  commit(batch: readonly (readonly SqliteStatement[])[]): SqliteOutcome[] {
    return this.runAll(batch);
  }

  private run(steps: readonly SqliteStatement[]): number[] {
    return steps.map((step, index) => {
      let changes: number;
      try {
        changes = this.prepared(step.sql).run(...step.params).changes;
      } catch (error) {
        if (step.expect === 'new-key' && isSqliteUniqueViolation(error)) throw new StepRefused(index);
        throw error;
      }
      if (step.expect === 'one-row' && changes !== 1) throw new StepRefused(index);
      return changes;
    });
  }

  private prepared(sql: string): ReturnType<SqliteDatabase['prepare']> {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }
}
