import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * The admin-only `super_admin` of clients (issue 26): with the reserved `admin` scope, a client of
 * the default tenant that administers tenants and every tenant's admin API. Off for every client
 * that exists, so no client gains a power by the upgrade.
 */
export class SuperAdminClients1765200500000 implements MigrationInterface {
  name = 'SuperAdminClients1765200500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('clients', new TableColumn({ name: 'super_admin', type: 'boolean', default: false }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'super_admin');
  }
}
