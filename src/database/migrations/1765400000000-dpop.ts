import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * DPoP (RFC 9449, issue 28): the proof `jti`s seen, in one server-wide namespace keyed by the
 * proof key's thumbprint and the jti (not per tenant: `?tenantDomain=` makes one `htu` valid for
 * every tenant), swept by housekeeping once past `proof_max_age`; a client's
 * `dpop_bound_access_tokens` (§5.2); the key an authorization code is bound to (§10, `dpop_jkt`).
 */
export class Dpop1765400000000 implements MigrationInterface {
  name = 'Dpop1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    await queryRunner.createTable(new Table({
      name: 'dpop_jtis',
      columns: [
        { name: 'jkt', type: 'varchar', length: '43', isPrimary: true, ...binary },
        // A jti is at most 255 characters: the proof check refuses longer ones before they get here.
        { name: 'jti', type: 'varchar', length: '255', isPrimary: true, ...binary },
        { name: 'expires_at', type: 'bigint' },
      ],
    }));
    await queryRunner.createIndex('dpop_jtis', new TableIndex({ columnNames: ['expires_at'] }));
    await queryRunner.addColumn('clients', new TableColumn({ name: 'dpop_bound_access_tokens', type: 'boolean', default: false }));
    await queryRunner.addColumn('authorization_codes', new TableColumn({ name: 'dpop_jkt', type: 'varchar', length: '43', isNullable: true, ...binary }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('authorization_codes', 'dpop_jkt');
    await queryRunner.dropColumn('clients', 'dpop_bound_access_tokens');
    await queryRunner.dropTable('dpop_jtis');
  }
}
