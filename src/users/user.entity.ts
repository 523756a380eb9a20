import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../database/columns';

/** A resource owner. Addressed by a generated `id` (the `sub` of its tokens); `username` is unique per tenant. */
@Entity('users')
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  /** Normalised (NFKC, lower case), so `Alice` and `alice` are one user. */
  @Column({ type: 'varchar', length: 255 }) username: string;
  /** scrypt in a self-describing string (see password-hasher.ts); null: the user cannot sign in with a password. */
  @Column({ name: 'password_hash', type: 'text', nullable: true }) passwordHash: string | null;
  /** Claims that reach the user's tokens: email, name, groups, ... */
  @Column({ type: 'text', transformer: jsonText }) claims: Record<string, unknown>;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  /** Failed sign-ins since the last success or lock-out (attempts in flight count too). */
  @Column({ name: 'failed_logins', type: 'integer', default: 0 }) failedLogins: number;
  @Column({ name: 'locked_until', type: 'bigint', nullable: true, transformer: epochSeconds }) lockedUntil: number | null;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'updated_at', type: 'bigint', transformer: epochSeconds }) updatedAt: number;
  /** Raised by every change; an administrator's change is an UPDATE conditional on it (the ETag names it). */
  @Column({ type: 'integer', default: 1 }) version: number;
}

/**
 * A subject of an identity provider that maps onto a user (`map_subject_to_user`). The key is
 * (provider, subject): two providers never reach each other's users by accident — each link
 * names its provider.
 */
@Entity('user_identities')
export class UserIdentityEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) tenant: string;
  @PrimaryColumn({ name: 'identity_provider_id', type: 'varchar', length: 64 }) identityProviderId: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) subject: string;
  @Column({ name: 'user_id', type: 'varchar', length: 64 }) userId: string;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
}
