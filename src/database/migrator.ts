import { Logger } from '@nestjs/common';
import { DataSource, MigrationExecutor } from 'typeorm';

const LOCK_ID = 0x6772616e; // "gran": the advisory lock several instances take while migrating

/**
 * Applies pending migrations while holding a database-wide lock, so that instances starting
 * together against one PostgreSQL or MySQL database do not race to create the same tables.
 */
export async function runMigrations(dataSource: DataSource, schema?: string): Promise<string[]> {
  const kind = dataSource.options.type;
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    if (kind === 'postgres') {
      if (schema) await lockRunner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await lockRunner.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    } else if (kind === 'mysql') {
      await lockRunner.query('SELECT GET_LOCK(?, 60)', [`grantry_migrations`]);
    }
    // On the lock's own connection: a pool of one (`[database] pool_size = 1`) has no second to lend.
    const executor = new MigrationExecutor(dataSource, lockRunner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    for (const migration of applied) new Logger('Migrations').log(`applied ${migration.name}`);
    return applied.map((m) => m.name);
  } finally {
    if (kind === 'postgres') await lockRunner.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    if (kind === 'mysql') await lockRunner.query('SELECT RELEASE_LOCK(?)', ['grantry_migrations']).catch(() => undefined);
    await lockRunner.release();
  }
}

