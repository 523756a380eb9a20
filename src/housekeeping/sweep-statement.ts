import type { DatabaseKind } from '../database/data-source-options';

/**
 * The statement that deletes at most `batchSize` rows of `table` whose `column` (`expires_at`,
 * or `occurred_at` of a table kept for a retention period) is before its one parameter, without a table lock and safe while other instances sweep the same table:
 *
 * - PostgreSQL: the rows are picked `FOR UPDATE SKIP LOCKED` and deleted by `ctid`, so two
 *   instances take disjoint batches and neither waits for the other (nor for a request that
 *   holds one of the rows).
 * - MySQL/MariaDB: `DELETE ... ORDER BY expires_at LIMIT n` walks the `expires_at` index
 *   (MariaDB refuses LIMIT in an IN subquery); run it under READ COMMITTED, which takes no gap locks.
 * - SQLite: by `rowid` from a limited subquery (`DELETE ... LIMIT` needs a compile-time option);
 *   writers are serialised by SQLite itself.
 */
export function sweepStatement(kind: DatabaseKind, table: string, batchSize: number, column = 'expires_at'): string {
  // All three are spliced into SQL: only plain identifiers and a positive integer may get there.
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a table name: ${table}`);
  if (!/^[a-z_][a-z0-9_]*$/.test(column)) throw new Error(`not a column name: ${column}`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`not a batch size: ${batchSize}`);
  switch (kind) {
    case 'postgres':
      return `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${column} < $1 LIMIT ${batchSize} FOR UPDATE SKIP LOCKED))`;
    case 'mysql':
      return `DELETE FROM ${table} WHERE ${column} < ? ORDER BY ${column} LIMIT ${batchSize}`;
    case 'sqlite':
      return `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${column} < ? LIMIT ${batchSize})`;
  }
}
