import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { DatabaseUnreachableError } from '../common/fatal';
import { GrantryConfig } from '../config/config.schema';
import { databaseKind, dataSourceOptions } from '../database/data-source-options';

const WHERE = 'pass --config or run from the deployment directory';

/**
 * Before a command that only reads: the SQLite file and the master key must already exist, so
 * that running from the wrong directory fails instead of creating an empty database and a new
 * master key. PostgreSQL and MySQL databases are the server's to create.
 */
export function requireExistingStore(config: GrantryConfig): void {
  const url = config.database.url;
  if (databaseKind(url) === 'sqlite' && url !== 'sqlite::memory:') {
    const file = resolve(url.slice('sqlite:'.length));
    if (!existsSync(file)) throw new Error(`no database at ${file} — ${WHERE}`);
  }
  if (!config.security.master_key) {
    const file = resolve(config.security.master_key_file);
    if (!existsSync(file)) throw new Error(`no master key at ${file} ([security] master_key_file) — ${WHERE}`);
  }
}

/**
 * One connection to a PostgreSQL or MySQL database, opened and closed at once: an unreachable
 * database (or refused credentials) fails in one line naming it, before Nest retries it with
 * stack traces. SQLite is a file: nothing to reach.
 */
export async function probeDatabase(config: GrantryConfig): Promise<void> {
  const kind = databaseKind(config.database.url);
  if (kind === 'sqlite') return;
  const options = dataSourceOptions(config.database);
  // Each driver's own option names: mysql2 warns on (and will refuse) pg's `max`, and the reverse.
  const onePool = kind === 'postgres' ? { connectionTimeoutMillis: 10_000, max: 1 } : { connectTimeout: 10_000, connectionLimit: 1 };
  const probe = new DataSource({ ...options, entities: [], migrations: [], extra: { ...(options.extra as object), ...onePool } } as typeof options);
  try {
    await probe.initialize();
  } catch (error) {
    throw new DatabaseUnreachableError(config.database.url, error);
  } finally {
    if (probe.isInitialized) await probe.destroy().catch(() => undefined);
  }
}
