import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { MIGRATIONS } from '../../src/database/migrations';
import { runMigrations } from '../../src/database/migrator';
import type { TestDatabase } from './database';

/**
 * `db` as the release before `migration` left it: every migration older than the one named, applied
 * through a data source of its own. The caller inserts the rows that release could hold, then
 * destroys the returned source (in `finally`) before grantry starts on the database.
 */
export async function databaseBefore(db: TestDatabase, migration: string): Promise<DataSource> {
  const index = MIGRATIONS.findIndex((candidate) => candidate.name === migration);
  if (index < 0) throw new Error(`no migration named ${migration}`);
  return databaseMigrated(db, MIGRATIONS.slice(0, index));
}

/** `db` with `migrations` applied, through a data source of its own that the caller destroys (in `finally`). */
export async function databaseMigrated(db: TestDatabase, migrations: typeof MIGRATIONS): Promise<DataSource> {
  await db.prepare?.();
  const source = new DataSource({ ...dataSourceOptions({ url: db.url, schema: db.schema, migrate: true, pool_size: 2, sqlite_synchronous: 'full' }), migrations });
  await source.initialize();
  const quiet = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined); // "applied ..." lines
  try {
    await runMigrations(source, db.schema);
  } catch (error) {
    await source.destroy();
    throw error;
  } finally {
    quiet.mockRestore();
  }
  return source;
}
