// Types only, importing nothing: a grant's result (plugin SDK) names it.
/**
 * One statement of an atomic write. SQL uses `?` placeholders and unquoted snake_case names
 * that mean the same on SQLite, PostgreSQL and MySQL/MariaDB.
 */
export interface WriteStep {
  sql: string;
  params: readonly unknown[];
  /**
   * What must hold for the write to go on — `one-row`: the statement changed exactly one row
   * (a conditional UPDATE that consumes); `new-key`: the INSERT did not hit a unique key (a
   * `jti` seen before). Without it, any outcome is fine.
   */
  expect?: 'one-row' | 'new-key';
  /** The error that refuses the request when `expect` fails; may first record what the failure means. */
  refused?: () => Error | Promise<Error>;
  /**
   * MySQL/MariaDB: run the step in a READ COMMITTED transaction even when it is the only one, so
   * a DELETE over a range takes no gap locks that would hold up concurrent INSERTs (a sweep).
   */
  readCommitted?: boolean;
}
