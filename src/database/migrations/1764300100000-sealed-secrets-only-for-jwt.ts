import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A decryptable copy of a client secret is kept only for client_secret_jwt (which computes an
 * HMAC with the secret itself); earlier releases kept one for every secret-based client. Erase
 * those: the keyed digest is all the other methods check against.
 */
export class SealedSecretsOnlyForJwt1764300100000 implements MigrationInterface {
  name = 'SealedSecretsOnlyForJwt1764300100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE clients SET secret_encrypted = NULL WHERE token_endpoint_auth_method <> 'client_secret_jwt'`);
  }

  async down(): Promise<void> {
    // Erased copies cannot come back; nothing needs them.
  }
}
