import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Refresh tokens, kept by hash, in rotation families (RFC 9700 §4.14.2). */
export class RefreshTokens1763900300000 implements MigrationInterface {
  name = 'RefreshTokens1763900300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const varchar = (name: string, length: number) => ({ name, type: 'varchar', length: String(length), ...binary });
    await queryRunner.createTable(new Table({
      name: 'refresh_tokens',
      columns: [
        { ...varchar('token_hash', 64), isPrimary: true },
        { ...varchar('tenant', 64), default: "'default'" },
        varchar('family_id', 64),
        varchar('client_id', 64),
        varchar('subject', 255),
        { name: 'scope', type: 'text' },
        { name: 'audience', type: 'text' },
        { name: 'claims', type: 'text' },
        { name: 'created_at', type: 'bigint' },
        { name: 'expires_at', type: 'bigint' },
        { name: 'consumed_at', type: 'bigint', isNullable: true },
        { name: 'revoked_at', type: 'bigint', isNullable: true },
      ],
    }));
    await queryRunner.createIndex('refresh_tokens', new TableIndex({ columnNames: ['family_id'] }));
    await queryRunner.createIndex('refresh_tokens', new TableIndex({ columnNames: ['expires_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('refresh_tokens');
  }
}
