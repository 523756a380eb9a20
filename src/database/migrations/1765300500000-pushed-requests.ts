import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';

/**
 * Pushed authorization requests (RFC 9126, issue 27): by the SHA-256 of the `request_uri`'s
 * random part, with the pushing client, the parameters, the expiry (swept by housekeeping) and
 * whether a code was issued for it (single use).
 */
export class PushedRequests1765300500000 implements MigrationInterface {
  name = 'PushedRequests1765300500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const varchar = (name: string, length: number): TableColumnOptions => ({ name, type: 'varchar', length: String(length), ...binary });
    await queryRunner.createTable(new Table({
      name: 'pushed_requests',
      columns: [
        { ...varchar('handle_hash', 64), isPrimary: true },
        { ...varchar('tenant', 64), default: "'default'" },
        varchar('client_id', 64),
        { name: 'params', type: 'text' },
        { name: 'expires_at', type: 'bigint' },
        { name: 'consumed', type: 'boolean', default: false },
      ],
    }));
    await queryRunner.createIndex('pushed_requests', new TableIndex({ columnNames: ['expires_at'] }));
    // RFC 9126 §6 client metadata: off for every client that exists.
    await queryRunner.addColumn('clients', new TableColumn({ name: 'require_pushed_authorization_requests', type: 'boolean', default: false }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'require_pushed_authorization_requests');
    await queryRunner.dropTable('pushed_requests');
  }
}
