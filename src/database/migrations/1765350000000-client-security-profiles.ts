import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * The admin-only `security_profile` of clients (issue 29): a profile stricter than the tenant's for
 * one client. Null for every client that exists: each keeps its tenant's, as before.
 */
export class ClientSecurityProfiles1765350000000 implements MigrationInterface {
  name = 'ClientSecurityProfiles1765350000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('clients', new TableColumn({ name: 'security_profile', type: 'varchar', length: '32', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'security_profile');
  }
}
