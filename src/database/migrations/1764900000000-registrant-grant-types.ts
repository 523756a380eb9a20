import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * `clients.registrant_grant_types`: the grant types a registrant chose (RFC 7591/7592) that no
 * administrator has saved since, which the token endpoint confines to `[oauth.registration]
 * allowed_grant_types`. A client registered before this release holds a registration access
 * token: all its grant types were its registrant's choice (an administrator's later edit cannot
 * be told apart, so it must save the client once more). Clients of the admin API and CLI keep null.
 */
export class RegistrantGrantTypes1764900000000 implements MigrationInterface {
  name = 'RegistrantGrantTypes1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('clients', new TableColumn({ name: 'registrant_grant_types', type: 'text', isNullable: true }));
    await queryRunner.query('UPDATE clients SET registrant_grant_types = grant_types WHERE registration_token_digest IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clients', 'registrant_grant_types');
  }
}
