import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * Grant records (one per grant that acts for a subject or issues refresh tokens). Refresh
 * tokens lose their copies of subject, scope, audience and claims — the grant holds them —
 * and point to it by `grant_id`; each earlier refresh-token family becomes one grant (until
 * now only the JWT bearer grant issued refresh tokens). Opaque access tokens may point to one.
 */
export class GrantRecords1764300000000 implements MigrationInterface {
  name = 'GrantRecords1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const varchar = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable, ...binary });
    const epoch = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable });
    const text = (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'text', isNullable });

    await queryRunner.createTable(new Table({
      name: 'grant_records',
      columns: [
        { ...varchar('id', 64), isPrimary: true },
        { ...varchar('tenant', 64), default: "'default'" },
        varchar('client_id', 64),
        varchar('grant_type', 255),
        varchar('subject', 255),
        varchar('identity_provider', 64, true),
        varchar('session_id', 64, true),
        text('authentication', true),
        text('scope'),
        text('audience'),
        text('claims'),
        epoch('created_at'),
        epoch('expires_at'),
        epoch('revoked_at', true),
      ],
    }));

    // Each family of the old table is one grant; a family with any revoked token stays revoked.
    await queryRunner.query(
      `INSERT INTO grant_records (id, tenant, client_id, grant_type, subject, scope, audience, claims, created_at, expires_at, revoked_at)
       SELECT family_id, MAX(tenant), MAX(client_id), '${JWT_BEARER}', MAX(subject), MAX(scope), MAX(audience), MAX(claims),
              MIN(created_at), MAX(expires_at), MAX(revoked_at)
       FROM refresh_tokens GROUP BY family_id`,
    );

    await queryRunner.renameTable('refresh_tokens', 'refresh_tokens_before_grants');
    await queryRunner.createTable(new Table({
      name: 'refresh_tokens',
      columns: [
        { ...varchar('token_hash', 64), isPrimary: true },
        { ...varchar('tenant', 64), default: "'default'" },
        varchar('grant_id', 64),
        varchar('client_id', 64),
        epoch('created_at'),
        epoch('expires_at'),
        epoch('consumed_at', true),
      ],
    }));
    await queryRunner.query(
      `INSERT INTO refresh_tokens (token_hash, tenant, grant_id, client_id, created_at, expires_at, consumed_at)
       SELECT token_hash, tenant, family_id, client_id, created_at, expires_at, consumed_at FROM refresh_tokens_before_grants`,
    );
    await queryRunner.dropTable('refresh_tokens_before_grants');
    await queryRunner.createIndex('refresh_tokens', new TableIndex({ columnNames: ['grant_id'] }));
    await queryRunner.createIndex('refresh_tokens', new TableIndex({ columnNames: ['expires_at'] }));
    await queryRunner.createIndex('grant_records', new TableIndex({ columnNames: ['tenant', 'client_id'] }));
    await queryRunner.createIndex('grant_records', new TableIndex({ columnNames: ['tenant', 'subject'] }));
    await queryRunner.createIndex('grant_records', new TableIndex({ columnNames: ['expires_at'] }));

    await queryRunner.addColumn('access_tokens', new TableColumn(varchar('grant_id', 64, true)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Refresh tokens cannot get their per-token copies back: they all end.
    await queryRunner.dropColumn('access_tokens', 'grant_id');
    await queryRunner.dropTable('refresh_tokens');
    await queryRunner.dropTable('grant_records');
    await queryRunner.createTable(new Table({
      name: 'refresh_tokens',
      columns: [
        { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
        { name: 'tenant', type: 'varchar', length: '64', default: "'default'" },
        { name: 'family_id', type: 'varchar', length: '64' },
        { name: 'client_id', type: 'varchar', length: '64' },
        { name: 'subject', type: 'varchar', length: '255' },
        { name: 'scope', type: 'text' },
        { name: 'audience', type: 'text' },
        { name: 'claims', type: 'text' },
        { name: 'created_at', type: 'bigint' },
        { name: 'expires_at', type: 'bigint' },
        { name: 'consumed_at', type: 'bigint', isNullable: true },
        { name: 'revoked_at', type: 'bigint', isNullable: true },
      ],
    }));
  }
}
