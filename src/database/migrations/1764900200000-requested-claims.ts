import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * OpenID Connect requests that outlive the authorization endpoint: the user claims a request
 * asked for one by one through the `claims` parameter (OIDC Core §5.5), kept on its grant so the
 * code exchange, every refresh and userinfo serve them; and the acr a login step satisfied, kept
 * on the interaction until the last step starts the session (a later step may not set one).
 */
export class RequestedClaims1764900200000 implements MigrationInterface {
  name = 'RequestedClaims1764900200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    await queryRunner.addColumn('grant_records', new TableColumn({ name: 'requested_claims', type: 'text', isNullable: true }));
    await queryRunner.addColumn('interactions', new TableColumn({ name: 'acr', type: 'varchar', length: '255', isNullable: true, ...binary }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('interactions', 'acr');
    await queryRunner.dropColumn('grant_records', 'requested_claims');
  }
}
