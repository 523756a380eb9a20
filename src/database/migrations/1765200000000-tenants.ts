import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** The tenant every row held before tenants existed, and WSO2's name for the default tenant. */
const BEFORE = 'default';
const DEFAULT_TENANT = 'carbon.super';

/**
 * Every table with a `tenant` column when this migration was written: a migration is a snapshot,
 * so the list is fixed here, not read from the schema (a later table starts with the new default).
 */
const TENANT_TABLES = [
  'access_tokens', 'audit_events', 'authorization_codes', 'certificates', 'clients', 'consents',
  'encryption_keys', 'grant_records', 'identity_providers', 'initial_access_tokens', 'interactions',
  'refresh_tokens', 'revoked_access_tokens', 'sessions', 'signing_keys', 'used_jtis', 'user_identities', 'users',
];

/**
 * Tenants as records (issue 26): `tenants` keyed by the domain (lower-case DNS labels, at most 64
 * characters, the size of every `tenant` column), and the default tenant renamed to WSO2's
 * `carbon.super` in every table — primary keys and unique indexes included, which is one UPDATE
 * each, as no row of `carbon.super` exists before. Column defaults follow, so a statement that
 * leaves `tenant` out lands in the default tenant as before.
 *
 * Down renames `carbon.super` back to `default` and drops `tenants`; rows of other tenants stay,
 * unread by a release that knows only its one tenant.
 */
export class Tenants1765200000000 implements MigrationInterface {
  name = 'Tenants1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    await queryRunner.createTable(new Table({
      name: 'tenants',
      columns: [
        { name: 'domain', type: 'varchar', length: '64', isPrimary: true, ...binary },
        { name: 'display_name', type: 'varchar', length: '255', ...binary },
        { name: 'enabled', type: 'boolean', default: true },
        // The admin API's setting overrides as a JSON object. No column default: MySQL gives TEXT
        // none, and every INSERT writes it ('{}' when there are none).
        { name: 'settings', type: 'text' },
        { name: 'version', type: 'integer', default: 1 },
        { name: 'created_at', type: 'bigint' },
      ],
    }));
    await queryRunner.query(
      'INSERT INTO tenants (domain, display_name, enabled, settings, version, created_at) VALUES (?, ?, ?, ?, 1, ?)'.replace(/\?/g, placeholder(queryRunner)),
      [DEFAULT_TENANT, 'Default tenant', true, '{}', Math.floor(Date.now() / 1000)].map((value) => (value === true && isSqlite(queryRunner) ? 1 : value)),
    );
    await renameTenant(queryRunner, BEFORE, DEFAULT_TENANT);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await renameTenant(queryRunner, DEFAULT_TENANT, BEFORE);
    await queryRunner.dropTable('tenants');
  }
}

function isSqlite(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.options.type === 'better-sqlite3';
}

/** `?`, or PostgreSQL's numbered `$n`. */
function placeholder(queryRunner: QueryRunner): (match: string) => string {
  let n = 0;
  return queryRunner.connection.options.type === 'postgres' ? () => `$${++n}` : () => '?';
}

/** Rows of tenant `from` become `to`'s, and a `tenant` column default of `from` becomes `to`. */
async function renameTenant(queryRunner: QueryRunner, from: string, to: string): Promise<void> {
  const kind = queryRunner.connection.options.type;
  for (const name of TENANT_TABLES) {
    const table = await queryRunner.getTable(name);
    const column = table?.findColumnByName('tenant');
    if (!table || !column) throw new Error(`${name}.tenant is missing: the schema is not the one this migration expects`);
    const quoted = kind === 'mysql' ? `\`${name}\`` : `"${name}"`;
    await queryRunner.query(`UPDATE ${quoted} SET tenant = ${kind === 'postgres' ? '$1' : '?'} WHERE tenant = ${kind === 'postgres' ? '$2' : '?'}`, [to, from]);
    if (column.default === undefined || column.default === null) continue; // a key column without one (used_jtis)
    if (kind === 'better-sqlite3') {
      // SQLite changes a default only by rebuilding the table (TypeORM copies rows and indexes).
      const changed = column.clone();
      changed.default = `'${to}'`;
      await queryRunner.changeColumn(table, column, changed);
    } else {
      await queryRunner.query(`ALTER TABLE ${quoted} ALTER COLUMN tenant SET DEFAULT '${to}'`);
    }
  }
}
