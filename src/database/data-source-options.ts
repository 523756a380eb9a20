import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseSettings } from '../config/config.schema';
import { MIGRATIONS } from './migrations';

/** How long opening a pooled connection may take before it counts as an outage (503, see database-outage.ts). */
const CONNECT_TIMEOUT_MS = 5000;

export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

export function databaseKind(url: string): DatabaseKind {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  return 'mysql';
}

/** `[database] url` → TypeORM options. Schema changes come from reviewed migrations only. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const common = { migrations: MIGRATIONS, migrationsRun: false, synchronize: false, logging: false } as const;
  switch (databaseKind(settings.url)) {
    case 'sqlite': {
      const file = settings.url.slice('sqlite:'.length);
      const database = file === ':memory:' ? ':memory:' : resolve(file);
      if (database !== ':memory:') {
        mkdirSync(dirname(database), { recursive: true });
        // Owner-only from the first byte: SQLite gives its -wal and -shm files the database file's mode.
        closeSync(openSync(database, 'a', 0o600));
      }
      return {
        ...common,
        type: 'better-sqlite3',
        database,
        // WAL lets the CLI and the server share the file; busy_timeout makes writers wait, not fail.
        prepareDatabase: (db: { pragma(sql: string): unknown }) => {
          if (database !== ':memory:') db.pragma('journal_mode = WAL');
          db.pragma('busy_timeout = 5000');
          db.pragma('foreign_keys = ON');
          db.pragma(`synchronous = ${settings.sqlite_synchronous.toUpperCase()}`);
        },
      };
    }
    case 'postgres':
      return {
        ...common,
        type: 'postgres',
        url: settings.url,
        schema: settings.schema,
        extra: {
          max: settings.pool_size,
          // A database that drops packets answers nothing: without a limit a request would wait forever, not 503.
          connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
          ...(settings.schema ? { options: `-c search_path=${settings.schema}` } : {}),
        },
      };
    case 'mysql':
      return {
        ...common,
        type: 'mysql',
        url: settings.url.replace(/^mariadb:/, 'mysql:'),
        charset: 'utf8mb4',
        extra: { connectionLimit: settings.pool_size, connectTimeout: CONNECT_TIMEOUT_MS },
      };
  }
}
