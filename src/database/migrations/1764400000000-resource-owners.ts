import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';

/**
 * Resource owners and revocation: users (username unique per tenant, slow password hash,
 * lock-out counters), the links that let an identity provider's subjects map onto users, the
 * admin-only `introspect_any` of clients, `map_subject_to_user` of identity providers, and the
 * deny-list of revoked JWT access tokens that belong to no grant (kept until their `exp`).
 */
export class ResourceOwners1764400000000 implements MigrationInterface {
  name = 'ResourceOwners1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const varchar = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable, ...binary });
    const epoch = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable });
    const text = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'text', isNullable });
    const tenant = (): TableColumnOptions => ({ ...varchar('tenant', 64), default: "'default'" });

    await queryRunner.createTable(new Table({
      name: 'users',
      columns: [
        { ...varchar('id', 64), isPrimary: true },
        tenant(),
        varchar('username', 255),
        text('password_hash', true),
        text('claims'),
        { name: 'enabled', type: 'boolean', default: true },
        { name: 'failed_logins', type: 'integer', default: 0 },
        epoch('locked_until', true),
        epoch('created_at'),
        epoch('updated_at'),
      ],
    }));
    await queryRunner.createIndex('users', new TableIndex({ columnNames: ['tenant', 'username'], isUnique: true }));

    await queryRunner.createTable(new Table({
      name: 'user_identities',
      columns: [
        { ...varchar('tenant', 64), isPrimary: true, default: "'default'" },
        { ...varchar('identity_provider_id', 64), isPrimary: true },
        { ...varchar('subject', 255), isPrimary: true },
        varchar('user_id', 64),
        epoch('created_at'),
      ],
    }));
    await queryRunner.createIndex('user_identities', new TableIndex({ columnNames: ['user_id'] }));

    await queryRunner.createTable(new Table({
      name: 'revoked_access_tokens',
      columns: [
        { ...varchar('tenant', 64), isPrimary: true, default: "'default'" },
        { ...varchar('jti', 64), isPrimary: true },
        varchar('client_id', 64),
        epoch('expires_at'),
        epoch('revoked_at'),
      ],
    }));
    await queryRunner.createIndex('revoked_access_tokens', new TableIndex({ columnNames: ['expires_at'] }));

    await queryRunner.addColumn('clients', new TableColumn({ name: 'introspect_any', type: 'boolean', default: false }));
    await queryRunner.addColumn('identity_providers', new TableColumn({ name: 'map_subject_to_user', type: 'boolean', default: false }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('identity_providers', 'map_subject_to_user');
    await queryRunner.dropColumn('clients', 'introspect_any');
    for (const table of ['revoked_access_tokens', 'user_identities', 'users']) await queryRunner.dropTable(table);
  }
}
