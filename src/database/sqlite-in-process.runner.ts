import { SqliteBatch, SqliteBatchAborted, SqliteDatabase, SqliteStatement, SqliteOutcome } from './sqlite-batch';
import type { SqliteBatchRunner } from './sqlite-group-commit';

/**
 * Commits batches on the application's own connection, on the event loop: for an in-memory
 * database, which no second connection can open. The statements run synchronously, so no other
 * request's statement interleaves.
 */
export class SqliteInProcessRunner implements SqliteBatchRunner {
  private readonly batch: SqliteBatch;

  constructor(db: SqliteDatabase) {
    this.batch = new SqliteBatch(db);
  }

  async run(batch: SqliteStatement[][]): Promise<SqliteOutcome[]> {
    try {
      return this.batch.commit(batch);
    } catch (error) {
      throw error instanceof SqliteBatchAborted ? error.reason : error;
    }
  }

  async close(): Promise<void> {}
}
