import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** The tables administrators change (admin API, CLI, RFC 7592). */
const VERSIONED_TABLES = ['clients', 'identity_providers', 'users'];

/**
 * A `version` on each record an administrator changes: every change is one conditional
 * `UPDATE ... SET ..., version = version + 1 WHERE ... AND version = ?`, so two concurrent edits
 * cannot overwrite each other unseen, and the admin API's strong ETag names the version. Existing
 * rows start at 1.
 */
export class RowVersions1765100000000 implements MigrationInterface {
  name = 'RowVersions1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of VERSIONED_TABLES) {
      await queryRunner.addColumn(table, new TableColumn({ name: 'version', type: 'integer', isNullable: false, default: 1 }));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...VERSIONED_TABLES].reverse()) await queryRunner.dropColumn(table, 'version');
  }
}
