import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { track } from './resources';

/** One isolated database for a test: a temp SQLite file, or a fresh schema of DATABASE_URL (PostgreSQL). */
export interface TestDatabase {
  url: string;
  schema?: string;
  /** Shared by every instance on this database, as in a real multi-instance deployment. */
  masterKey: string;
  dir: string;
  /** Creates what must exist before grantry connects (MySQL: the database). */
  prepare?(): Promise<void>;
  /** Drops the database and its directory; safe to call more than once, and before `prepare`. */
  drop(): Promise<void>;
}

export function isPostgres(): boolean {
  return /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
}

export function isMysql(): boolean {
  return /^(mysql|mariadb):\/\//.test(process.env.DATABASE_URL ?? '');
}

type PgClient = { connect(): Promise<void>; query(sql: string): Promise<unknown>; end(): Promise<void> };
// pg ships no types; this is the little of it the tests use.
const { Client } = require('pg') as { Client: new (options: { connectionString: string }) => PgClient };

/** Runs one statement on the server of DATABASE_URL (outside any test database), on one connection closed in every case. */
async function admin(url: string, sql: string): Promise<void> {
  if (isPostgres()) {
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
    return;
  }
  const connection = await createConnection({ uri: url.replace(/^mariadb:/, 'mysql:') });
  try {
    await connection.query(sql);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/** A fresh database; a test drops it in `finally`/`afterAll` (a leaked one is dropped after the file). */
export function freshDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-test-'));
  const masterKey = randomBytes(32).toString('base64url');
  const external = process.env.DATABASE_URL;
  const name = `t_${randomBytes(6).toString('hex')}`;
  const removeDir = async () => rmSync(dir, { recursive: true, force: true });
  if (external && isPostgres()) {
    // A schema of its own; grantry creates it at start-up.
    const drop = track(`PostgreSQL schema ${name}`, async () => {
      await admin(external, `DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await removeDir();
    });
    return { url: external, schema: name, masterKey, dir, drop };
  }
  if (external && isMysql()) {
    // A database of its own, created by `prepare` (startServer calls it).
    const url = new URL(external);
    url.pathname = `/${name}`;
    const drop = track(`MariaDB database ${name}`, async () => {
      await admin(external, `DROP DATABASE IF EXISTS \`${name}\``);
      await removeDir();
    });
    return { url: url.toString(), masterKey, dir, prepare: () => admin(external, `CREATE DATABASE IF NOT EXISTS \`${name}\``), drop };
  }
  return { url: `sqlite:${join(dir, 'grantry.sqlite')}`, masterKey, dir, drop: track(`SQLite database in ${dir}`, removeDir) };
}
