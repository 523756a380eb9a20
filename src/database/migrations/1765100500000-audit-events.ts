import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/**
 * The audit trail: one row per admin or security change, written in the same transaction as the
 * change itself, so a change that is committed has its row even when the process is killed the
 * next moment (token events stay on the log: the hot path writes nothing more). `id` grows with
 * each row: the order the trail lists. `actor` is who changed (`client:<id>`, `user:<id>`,
 * `operator:<name>`), `client_id` the client the change concerns, `target` the record it changed,
 * `details` a JSON object of what changed — names, never values that could be secret. Swept by
 * housekeeping once older than `[audit] retention_days`, hence the index on `occurred_at`.
 */
export class AuditEvents1765100500000 implements MigrationInterface {
  name = 'AuditEvents1765100500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const kind = queryRunner.connection.options.type;
    const binary = kind === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    const varchar = (name: string, length: number, isNullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable, ...binary });

    await queryRunner.createTable(new Table({
      name: 'audit_events',
      columns: [
        // SQLite allows AUTOINCREMENT on an INTEGER primary key only (64 bits there anyway).
        { name: 'id', type: kind === 'better-sqlite3' ? 'integer' : 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        { ...varchar('tenant', 64), default: "'default'" },
        { name: 'occurred_at', type: 'bigint' },
        varchar('actor', 255),
        varchar('event', 64),
        varchar('client_id', 255, true),
        varchar('target', 255, true),
        { name: 'details', type: 'text', isNullable: true },
      ],
      indices: [
        { columnNames: ['tenant', 'occurred_at'] },
        { columnNames: ['tenant', 'actor'] },
        { columnNames: ['tenant', 'event'] },
        { columnNames: ['tenant', 'client_id'] },
        // The retention sweep walks this one, across tenants.
        { columnNames: ['occurred_at'] },
      ],
    }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
  }
}
