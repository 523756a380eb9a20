import type { DataSource } from 'typeorm';
import { MIGRATIONS } from '../src/database/migrations';
import { SuperAdminClients1765200500000 } from '../src/database/migrations/1765200500000-super-admin-clients';
import { freshDatabase } from './support/database';
import { databaseBefore, databaseMigrated } from './support/previous-release';
import { insertTenantRow } from './support/tenant-rows';

describe('migration: super_admin of clients (issue 26 item 5)', () => {
  it('adds super_admin = false to every client there is (nobody gains a power by the upgrade), and goes down again', async () => {
    const db = freshDatabase();
    const sources: DataSource[] = [];
    try {
      const old = await databaseBefore(db, 'SuperAdminClients1765200500000');
      sources.push(old);
      await insertTenantRow(old, 'clients', 'carbon.super');
      await old.destroy();

      const current = await databaseMigrated(db, MIGRATIONS);
      sources.push(current);
      const flags = (await current.query('SELECT super_admin FROM clients')) as { super_admin: unknown }[];
      expect(flags.map(({ super_admin }) => Boolean(Number(super_admin) || super_admin === true))).toEqual([false]);

      const runner = current.createQueryRunner();
      try {
        await new SuperAdminClients1765200500000().down(runner);
        expect((await runner.getTable('clients'))!.findColumnByName('super_admin')).toBeUndefined();
        await new SuperAdminClients1765200500000().up(runner);
        expect((await runner.getTable('clients'))!.findColumnByName('super_admin')).toBeDefined();
      } finally {
        await runner.release();
      }
    } finally {
      for (const source of sources) if (source.isInitialized) await source.destroy();
      await db.drop();
    }
  });
});
