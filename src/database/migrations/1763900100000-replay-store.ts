import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Used assertion `jti`s: the primary key makes the first INSERT the only one that succeeds. */
export class ReplayStore1763900100000 implements MigrationInterface {
  name = 'ReplayStore1763900100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = queryRunner.connection.options.type === 'mysql' ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {};
    await queryRunner.createTable(new Table({
      name: 'used_jtis',
      columns: [
        { name: 'tenant', type: 'varchar', length: '64', isPrimary: true, ...binary },
        { name: 'issuer', type: 'varchar', length: '255', isPrimary: true, ...binary },
        // A jti is at most 255 characters: the validator refuses longer ones before they get here.
        { name: 'jti', type: 'varchar', length: '255', isPrimary: true, ...binary },
        { name: 'expires_at', type: 'bigint' },
      ],
    }));
    await queryRunner.createIndex('used_jtis', new TableIndex({ columnNames: ['expires_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('used_jtis');
  }
}
