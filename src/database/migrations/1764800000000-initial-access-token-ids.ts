import { randomUUID } from 'node:crypto';
import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Initial access tokens get an id the admin API and CLI can list and revoke them by (the token
 * itself is never shown again, and its digest is no name for an operator). Existing rows get one.
 */
export class InitialAccessTokenIds1764800000000 implements MigrationInterface {
  name = 'InitialAccessTokenIds1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    await queryRunner.addColumn('initial_access_tokens', new TableColumn({ name: 'id', type: 'varchar', length: '36', isNullable: true, ...binary }));
    const rows = (await queryRunner.query('SELECT token_digest FROM initial_access_tokens')) as { token_digest: string }[];
    for (const row of rows) {
      await queryRunner.manager.createQueryBuilder().update('initial_access_tokens').set({ id: randomUUID() }).where('token_digest = :digest', { digest: row.token_digest }).execute();
    }
    await queryRunner.createIndex('initial_access_tokens', new TableIndex({ name: 'UQ_initial_access_tokens_id', columnNames: ['id'], isUnique: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('initial_access_tokens', 'UQ_initial_access_tokens_id');
    await queryRunner.dropColumn('initial_access_tokens', 'id');
  }
}
