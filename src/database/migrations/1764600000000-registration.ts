import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';

/**
 * Dynamic client registration (RFC 7591/7592) and encrypted responses: the client metadata
 * registrants may send (signing and encryption of ID tokens and userinfo, human-facing URLs and
 * their language variants, the software statement), the registration access token's digest, and
 * initial access tokens.
 */
export class Registration1764600000000 implements MigrationInterface {
  name = 'Registration1764600000000';

  private readonly clientColumns = [
    'id_token_signed_response_alg', 'id_token_encrypted_response_alg', 'id_token_encrypted_response_enc',
    'userinfo_signed_response_alg', 'userinfo_encrypted_response_alg', 'userinfo_encrypted_response_enc',
    'display_metadata', 'software_statement', 'registration_token_digest',
  ];

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const varchar = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable, ...binary });
    const epoch = (name: string): TableColumnOptions => ({ name, type: 'bigint', isNullable: false });
    const text = (name: string): TableColumnOptions => ({ name, type: 'text', isNullable: true });

    for (const column of [
      varchar('id_token_signed_response_alg', 16, true),
      varchar('id_token_encrypted_response_alg', 32, true),
      varchar('id_token_encrypted_response_enc', 32, true),
      varchar('userinfo_signed_response_alg', 16, true),
      varchar('userinfo_encrypted_response_alg', 32, true),
      varchar('userinfo_encrypted_response_enc', 32, true),
      text('display_metadata'),
      text('software_statement'),
      varchar('registration_token_digest', 64, true),
    ]) {
      await queryRunner.addColumn('clients', new TableColumn(column));
    }

    // Counted by one conditional UPDATE (uses < max_uses AND expires_at > now) in the registration's write.
    await queryRunner.createTable(new Table({
      name: 'initial_access_tokens',
      columns: [
        { ...varchar('token_digest', 64), isPrimary: true },
        { ...varchar('tenant', 64), default: "'default'" },
        epoch('created_at'),
        epoch('expires_at'),
        { name: 'max_uses', type: 'integer', isNullable: true },
        { name: 'uses', type: 'integer', default: 0 },
      ],
    }));
    await queryRunner.createIndex('initial_access_tokens', new TableIndex({ columnNames: ['expires_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('initial_access_tokens');
    for (const column of [...this.clientColumns].reverse()) await queryRunner.dropColumn('clients', column);
  }
}
