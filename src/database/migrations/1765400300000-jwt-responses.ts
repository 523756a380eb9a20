import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** The six columns, each nullable: null is "not registered" (plain responses). */
const COLUMNS: [name: string, length: string][] = [
  ['authorization_signed_response_alg', '16'],
  ['authorization_encrypted_response_alg', '32'],
  ['authorization_encrypted_response_enc', '32'],
  ['introspection_signed_response_alg', '16'],
  ['introspection_encrypted_response_alg', '32'],
  ['introspection_encrypted_response_enc', '32'],
];

/**
 * Client metadata for signed (and encrypted) responses (issue 29 item 3): JARM's
 * `authorization_signed_response_alg` / `authorization_encrypted_response_alg` / `_enc` and RFC
 * 9701's `introspection_signed_response_alg` / `introspection_encrypted_response_alg` / `_enc`.
 * Existing clients keep today's answers until an operator or registrant sets them.
 */
export class JwtResponses1765400300000 implements MigrationInterface {
  name = 'JwtResponses1765400300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // As every varchar: binary collation on MariaDB, so `RS256` and `rs256` stay different.
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    for (const [name, length] of COLUMNS) await queryRunner.addColumn('clients', new TableColumn({ name, type: 'varchar', length, isNullable: true, ...binary }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [name] of [...COLUMNS].reverse()) await queryRunner.dropColumn('clients', name);
  }
}
