import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

const text = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'text', isNullable });
const epoch = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable });

/** Identifiers compare byte for byte: MySQL's default collations would fold case. */
let binary: Partial<TableColumnOptions> = {};
const varchar = (name: string, length: number, isNullable = false): TableColumnOptions => ({
  name, type: 'varchar', length: String(length), isNullable, ...binary,
});
const tenantColumn = (): TableColumnOptions => ({ ...varchar('tenant', 64), default: "'default'" });

/** Server settings, signing keys, the truststore, clients and opaque access tokens. */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const tenant = tenantColumn();
    await queryRunner.createTable(new Table({
      name: 'server_settings',
      columns: [{ ...varchar('name', 64), isPrimary: true }, text('value')],
    }));

    await queryRunner.createTable(new Table({
      name: 'signing_keys',
      columns: [
        { ...varchar('kid', 128), isPrimary: true },
        tenant,
        varchar('alg', 16),
        text('public_jwk'),
        text('private_key'),
        { name: 'active', type: 'boolean', default: false },
        varchar('source', 32),
        epoch('created_at'),
        epoch('retire_at', true),
      ],
      indices: [{ columnNames: ['tenant', 'alg', 'active'] }],
    }));

    await queryRunner.createTable(new Table({
      name: 'certificates',
      columns: [
        { ...tenant, isPrimary: true },
        { ...varchar('alias', 255), isPrimary: true },
        text('pem'),
        text('subject'),
        varchar('fingerprint', 128),
        epoch('not_after'),
        epoch('created_at'),
      ],
    }));

    await queryRunner.createTable(new Table({
      name: 'clients',
      columns: [
        { ...varchar('client_id', 64), isPrimary: true },
        tenant,
        varchar('client_name', 255),
        varchar('secret_digest', 64, true),
        text('secret_encrypted', true),
        varchar('token_endpoint_auth_method', 64),
        text('grant_types'),
        text('response_types'),
        text('redirect_uris'),
        text('scope'),
        text('audience'),
        text('jwks', true),
        text('jwks_uri', true),
        varchar('token_endpoint_auth_signing_alg', 16, true),
        varchar('access_token_format', 16, true),
        epoch('created_at'),
        epoch('updated_at'),
      ],
    }));
    await queryRunner.createIndex('clients', new TableIndex({ columnNames: ['tenant', 'created_at'] }));

    await queryRunner.createTable(new Table({
      name: 'access_tokens',
      columns: [
        { ...varchar('token_hash', 64), isPrimary: true },
        tenant,
        varchar('client_id', 64),
        varchar('subject', 255),
        text('scope'),
        text('audience'),
        text('claims'),
        epoch('expires_at'),
        epoch('created_at'),
        epoch('revoked_at', true),
      ],
    }));
    await queryRunner.createIndex('access_tokens', new TableIndex({ columnNames: ['expires_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['access_tokens', 'clients', 'certificates', 'signing_keys', 'server_settings']) {
      await queryRunner.dropTable(table);
    }
  }
}
