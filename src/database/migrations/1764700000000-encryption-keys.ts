import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/**
 * Encryption keys: the key pairs grantry decrypts JWEs addressed to it with (nested JWT
 * assertions), published with `use: "enc"`. Kept apart from `signing_keys`, so that no code path
 * that looks for a signing key can ever pick one.
 */
export class EncryptionKeys1764700000000 implements MigrationInterface {
  name = 'EncryptionKeys1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const varchar = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable, ...binary });
    const epoch = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable });
    const text = (name: string): TableColumnOptions => ({ name, type: 'text' });

    await queryRunner.createTable(new Table({
      name: 'encryption_keys',
      columns: [
        { ...varchar('kid', 128), isPrimary: true },
        { ...varchar('tenant', 64), default: "'default'" },
        varchar('alg', 32),
        text('public_jwk'),
        text('private_key'),
        varchar('source', 32),
        epoch('created_at'),
        epoch('retire_at', true),
      ],
      indices: [{ columnNames: ['tenant', 'alg'] }],
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('encryption_keys');
  }
}
