import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';

/** One isolated database for a test: a temp SQLite file, or a fresh schema of DATABASE_URL (PostgreSQL). */
export interface TestDatabase {
  url: string;
  schema?: string;
  /** Shared by every instance on this database, as in a real multi-instance deployment. */
  masterKey: string;
  dir: string;
  /** Creates what must exist before grantry connects (MySQL: the database). */
  prepare?(): Promise<void>;
  drop(): Promise<void>;
}

export function isPostgres(): boolean {
  return /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
}

export function isMysql(): boolean {
  return /^(mysql|mariadb):\/\//.test(process.env.DATABASE_URL ?? '');
}

/** Runs one statement on the server of DATABASE_URL (outside any test database). */
async function admin(url: string, sql: string): Promise<void> {
  const ds = new DataSource(isPostgres() ? { type: 'postgres', url } : { type: 'mysql', url: url.replace(/^mariadb:/, 'mysql:') });
  await ds.initialize();
  try {
    await ds.query(sql);
  } finally {
    await ds.destroy();
  }
}

export function freshDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-test-'));
  const masterKey = randomBytes(32).toString('base64url');
  const external = process.env.DATABASE_URL;
  const name = `t_${randomBytes(6).toString('hex')}`;
  if (external && isPostgres()) {
    // A schema of its own; grantry creates it at start-up.
    return {
      url: external,
      schema: name,
      masterKey,
      dir,
      drop: async () => {
        await admin(external, `DROP SCHEMA IF EXISTS "${name}" CASCADE`);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (external && isMysql()) {
    // A database of its own, created lazily by the first caller of `url`.
    const url = new URL(external);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      masterKey,
      dir,
      prepare: () => admin(external, `CREATE DATABASE IF NOT EXISTS \`${name}\``),
      drop: async () => {
        await admin(external, `DROP DATABASE IF EXISTS \`${name}\``);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  return {
    url: `sqlite:${join(dir, 'grantry.sqlite')}`,
    masterKey,
    dir,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
