import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';

/**
 * Browser sign-in (OAuth 2.0 authorization endpoint, OpenID Connect): client metadata of the
 * browser (OIDC Registration names), authorization codes, sessions, pending interactions
 * (an authorization request waiting for login or consent) and remembered consents.
 */
export class BrowserSignIn1764500000000 implements MigrationInterface {
  name = 'BrowserSignIn1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const varchar = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable, ...binary });
    const epoch = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable });
    const text = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'text', isNullable });
    const tenant = (): TableColumnOptions => ({ ...varchar('tenant', 64), default: "'default'" });

    for (const column of [
      text('post_logout_redirect_uris', true),
      varchar('application_type', 16, true),
      varchar('subject_type', 16, true),
      text('sector_identifier_uri', true),
      { name: 'default_max_age', type: 'integer', isNullable: true },
      { name: 'require_auth_time', type: 'boolean', default: false },
    ]) {
      await queryRunner.addColumn('clients', new TableColumn(column));
    }

    await queryRunner.createTable(new Table({
      name: 'authorization_codes',
      columns: [
        { ...varchar('code_hash', 64), isPrimary: true },
        tenant(),
        varchar('client_id', 64),
        varchar('grant_id', 64),
        text('redirect_uri'),
        varchar('code_challenge', 128, true),
        varchar('code_challenge_method', 8, true),
        text('nonce', true),
        varchar('session_id', 64, true),
        epoch('created_at'),
        epoch('expires_at'),
        epoch('consumed_at', true),
      ],
    }));
    await queryRunner.createIndex('authorization_codes', new TableIndex({ columnNames: ['expires_at'] }));

    await queryRunner.createTable(new Table({
      name: 'sessions',
      columns: [
        { ...varchar('id', 64), isPrimary: true },
        tenant(),
        varchar('secret_hash', 64),
        varchar('user_id', 64),
        epoch('auth_time'),
        text('amr'),
        varchar('acr', 255, true),
        epoch('created_at'),
        epoch('expires_at'),
        epoch('ended_at', true),
      ],
    }));
    await queryRunner.createIndex('sessions', new TableIndex({ columnNames: ['secret_hash'], isUnique: true }));
    await queryRunner.createIndex('sessions', new TableIndex({ columnNames: ['tenant', 'user_id'] }));
    await queryRunner.createIndex('sessions', new TableIndex({ columnNames: ['expires_at'] }));

    await queryRunner.createTable(new Table({
      name: 'interactions',
      columns: [
        { ...varchar('id', 64), isPrimary: true },
        tenant(),
        varchar('binding_hash', 64),
        varchar('csrf', 64),
        varchar('client_id', 64),
        text('request'),
        varchar('session_id', 64, true),
        varchar('user_id', 64, true),
        text('amr', true),
        { name: 'step', type: 'integer', default: 0 },
        epoch('created_at'),
        epoch('expires_at'),
      ],
    }));
    await queryRunner.createIndex('interactions', new TableIndex({ columnNames: ['expires_at'] }));

    await queryRunner.createTable(new Table({
      name: 'consents',
      columns: [
        { ...varchar('tenant', 64), isPrimary: true, default: "'default'" },
        { ...varchar('user_id', 64), isPrimary: true },
        { ...varchar('client_id', 64), isPrimary: true },
        text('scope'),
        epoch('created_at'),
        epoch('updated_at'),
      ],
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['consents', 'interactions', 'sessions', 'authorization_codes']) await queryRunner.dropTable(table);
    for (const column of ['require_auth_time', 'default_max_age', 'sector_identifier_uri', 'subject_type', 'application_type', 'post_logout_redirect_uris']) {
      await queryRunner.dropColumn('clients', column);
    }
  }
}
