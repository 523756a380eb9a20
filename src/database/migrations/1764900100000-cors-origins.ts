import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * A client's `allowed_cors_origins` (JSON array of origins). Existing rows get NULL: the
 * derived default (a public client's redirect-URI origins), so no client changes behaviour
 * beyond now answering CORS where the default allows it.
 */
export class CorsOrigins1764900100000 implements MigrationInterface {
  name = 'CorsOrigins1764900100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('clients', new TableColumn({ name: 'allowed_cors_origins', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'allowed_cors_origins');
  }
}
