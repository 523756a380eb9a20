import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * RFC 8705 client metadata (issue 28): a `tls_client_auth` client's expected certificate subject
 * and `tls_client_certificate_bound_access_tokens`, as one JSON column; null for every client that exists.
 */
export class TlsClientAuth1765400700000 implements MigrationInterface {
  name = 'TlsClientAuth1765400700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('clients', new TableColumn({ name: 'tls_client_auth', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'tls_client_auth');
  }
}
