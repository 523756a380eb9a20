import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { ObjectLiteral, Repository } from 'typeorm';
import { sqlBoolean } from './columns';

/** A better-sqlite3 prepared statement, as much of it as a keyed read uses. */
interface SqliteStatement {
  get(...params: unknown[]): Record<string, unknown> | undefined;
}

interface Compiled {
  sql: string;
  keyColumns: ColumnMetadata[];
  /** On better-sqlite3: the statement, prepared once on the data source's own connection. */
  statement?: SqliteStatement;
}

/**
 * `repo.findOneBy({ a, b })` for the lookups every token request makes (an opaque token, a
 * refresh token, a grant record, an authorization code by its hash): the same SELECT and the
 * same entity, but its SQL is built once from the entity's mapping instead of by a query builder
 * per call — which cost more main-thread time than SQLite's own work on those paths (profiles in
 * bench/README.md). Parameters and results go through the driver's conversions and the columns'
 * transformers (JSON text, epoch seconds), exactly as TypeORM's find does.
 *
 * On SQLite the statement is prepared once on the data source's own (only) connection and run
 * synchronously: TypeORM's `query` would run the same statement on the same connection, after a
 * statement-cache lookup, query events nobody listens to (the data source has no subscribers and
 * logging off) and four awaits — together more than the B-tree lookup itself on the token paths.
 */
export class KeyedRead<T extends ObjectLiteral, K extends keyof T & string> {
  private compiled?: Compiled;

  /**
   * `keys` must hold the entity's primary key, or `uniqueIndex` must name the migration's unique
   * index on exactly those columns (an index the entity does not declare): either way at most one row matches.
   */
  constructor(
    private readonly repo: Repository<T>,
    private readonly keys: readonly K[],
    private readonly options: { uniqueIndex?: string } = {},
  ) {}

  /** The row whose key columns equal `key`, or undefined. */
  async one(key: Pick<T, K>): Promise<T | undefined> {
    const { sql, keyColumns, statement } = (this.compiled ??= this.compile());
    const { driver } = this.repo.manager.connection;
    const params = keyColumns.map((column) => driver.preparePersistentValue(column.getEntityValue(key), column));
    const row = statement ? statement.get(...params.map(sqliteBindable)) : ((await this.repo.manager.query(sql, params)) as Record<string, unknown>[])[0];
    return row ? this.hydrate(row) : undefined;
  }

  /** Whether a row with these key column values exists. */
  async exists(key: Pick<T, K>): Promise<boolean> {
    return (await this.one(key)) !== undefined;
  }

  /** On first use, not in the constructor: the mapping is complete only once the data source is initialised. */
  private compile(): Compiled {
    const { metadata } = this.repo;
    const { driver } = this.repo.manager.connection;
    const keyColumns = this.keys.map((key) => {
      const column = metadata.findColumnWithPropertyPath(key);
      if (!column) throw new Error(`${metadata.name} has no column ${key}`);
      return column;
    });
    // The key holds the whole primary key, so at most one row matches.
    const unkeyed = metadata.primaryColumns.filter((column) => !keyColumns.includes(column));
    if (unkeyed.length && !this.options.uniqueIndex) throw new Error(`${metadata.name}: a KeyedRead's key must hold the primary key (${unkeyed.map((c) => c.propertyName).join(', ')} missing, and no unique index named)`);
    const selected = metadata.columns.map((column) => driver.escape(column.databaseName)).join(', ');
    const where = keyColumns.map((column, i) => `${driver.escape(column.databaseName)} = ${driver.createParameter(`k${i}`, i)}`).join(' AND ');
    const sql = `SELECT ${selected} FROM ${driver.escape(metadata.tableName)} WHERE ${where}`;
    const sqlite = driver.options.type === 'better-sqlite3' ? (driver as { databaseConnection?: { prepare(sql: string): SqliteStatement } }).databaseConnection : undefined;
    return { sql, keyColumns, statement: sqlite?.prepare(sql) };
  }

  private hydrate(row: Record<string, unknown>): T {
    const { metadata } = this.repo;
    const { driver } = this.repo.manager.connection;
    const entity = metadata.create() as T;
    for (const column of metadata.columns) column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
    return entity;
  }
}

/** better-sqlite3 binds no booleans: 1 and 0, as TypeORM's query runner converts them. */
function sqliteBindable(value: unknown): unknown {
  return typeof value === 'boolean' ? sqlBoolean(value) : value;
}
