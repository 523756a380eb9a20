import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Sender-constrained tokens (RFC 9449 DPoP, RFC 8705 mTLS): the RFC 7800 `cnf` of an opaque access
 * token and of a refresh token, as JSON (`{"jkt": ...}` or `{"x5t#S256": ...}`); NULL is a bearer
 * token, which every existing row is. A JWT access token carries its `cnf` itself. The grant record
 * gets none: only a public client's refresh tokens are bound, at a token request — after the
 * grant record of a code flow was written — and each rotation writes its successor's anyway.
 */
export class SenderConstraints1765000000000 implements MigrationInterface {
  name = 'SenderConstraints1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('access_tokens', new TableColumn({ name: 'cnf', type: 'text', isNullable: true }));
    await queryRunner.addColumn('refresh_tokens', new TableColumn({ name: 'cnf', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('refresh_tokens', 'cnf');
    await queryRunner.dropColumn('access_tokens', 'cnf');
  }
}
