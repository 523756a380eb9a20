import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Client metadata for request objects (issue 27, RFC 9101, OIDC Registration §2):
 * `request_object_signing_alg` (null: any alg the profile allows) and `request_uris` (JSON list;
 * null reads as none registered). Existing clients keep today's behaviour until an operator or
 * registrant sets them.
 */
export class RequestObjects1765300000000 implements MigrationInterface {
  name = 'RequestObjects1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // As every varchar: binary collation on MariaDB, so `RS256` and `rs256` stay different.
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    await queryRunner.addColumn('clients', new TableColumn({ name: 'request_object_signing_alg', type: 'varchar', length: '16', isNullable: true, ...binary }));
    await queryRunner.addColumn('clients', new TableColumn({ name: 'request_uris', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'request_uris');
    await queryRunner.dropColumn('clients', 'request_object_signing_alg');
  }
}
