import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Trusted issuers of JWT bearer grant assertions (RFC 7523 §2.1). */
export class IdentityProviders1763900200000 implements MigrationInterface {
  name = 'IdentityProviders1763900200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const varchar = (name: string, length: number, isNullable = false) => ({ name, type: 'varchar', length: String(length), isNullable, ...binary });
    await queryRunner.createTable(new Table({
      name: 'identity_providers',
      columns: [
        { ...varchar('id', 64), isPrimary: true },
        { ...varchar('tenant', 64), default: "'default'" },
        varchar('name', 255),
        varchar('issuer', 255),
        { name: 'alias', type: 'text', isNullable: true },
        { name: 'jwks_uri', type: 'text', isNullable: true },
        { name: 'certificate', type: 'text', isNullable: true },
        varchar('certificate_alias', 255, true),
        { name: 'enabled', type: 'boolean', default: true },
        { name: 'allow_insecure_jwks_uri', type: 'boolean', default: false },
        { name: 'signing_algs', type: 'text' },
        { name: 'claim_mappings', type: 'text' },
        { name: 'created_at', type: 'bigint' },
        { name: 'updated_at', type: 'bigint' },
      ],
    }));
    // Lookup is by iss: one provider per issuer, one per name, in a tenant.
    await queryRunner.createIndex('identity_providers', new TableIndex({ columnNames: ['tenant', 'issuer'], isUnique: true }));
    await queryRunner.createIndex('identity_providers', new TableIndex({ columnNames: ['tenant', 'name'], isUnique: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('identity_providers');
  }
}
