import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * `grant_records.subject_is_user`: whether a grant's subject is a local user's id, recorded when the
 * grant is made. Userinfo used to decide it from the identity provider's `map_subject_to_user` as
 * it is *today*, so a JWT bearer grant made while the flag was off — the provider's own `sub`,
 * which may equal some user's id — read as that user once the flag was turned on.
 *
 * Existing rows: a grant whose namespace is unknown must never read as a local user unless it
 * provably is one.
 * - Grants of the authorization endpoint (`authorization_code`, `implicit`) and of the `password`
 *   grant, with no identity provider, name a user: those flows never store anything else. True.
 * - JWT bearer grants (an identity provider vouched): nothing in the row proves which namespace the
 *   subject was in — a mapped grant's claims (the user's claims, `preferred_username`) are what a
 *   provider's own claim mappings could produce as well, and a provider's `sub` can equal a user's
 *   id. False: their tokens, refreshes and introspection go on as before (a pairwise client keeps
 *   the `sub` its grant started with), only userinfo answers `invalid_token` for them until the
 *   client runs the grant again, which records the truth.
 * - Anything else (plugin grants): false, as userinfo already read them.
 */
export class GrantSubjectNamespace1764900300000 implements MigrationInterface {
  name = 'GrantSubjectNamespace1764900300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('grant_records', new TableColumn({ name: 'subject_is_user', type: 'boolean', default: false }));
    // TRUE is a literal on SQLite (3.23+), PostgreSQL and MySQL/MariaDB alike.
    await queryRunner.query(
      `UPDATE grant_records SET subject_is_user = TRUE WHERE identity_provider IS NULL AND grant_type IN ('authorization_code', 'implicit', 'password')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('grant_records', 'subject_is_user');
  }
}
