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
  drop(): Promise<void>;
}

export function isPostgres(): boolean {
  return /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
}

export function freshDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-test-'));
  const masterKey = randomBytes(32).toString('base64url');
  const external = process.env.DATABASE_URL;
  if (external && isPostgres()) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    return {
      url: external,
      schema,
      masterKey,
      dir,
      drop: async () => {
        const ds = new DataSource({ type: 'postgres', url: external });
        await ds.initialize();
        await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await ds.destroy();
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
