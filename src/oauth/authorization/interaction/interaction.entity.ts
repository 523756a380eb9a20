import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../../../database/columns';
import type { ValidatedAuthorizationRequest } from '../request/authorization-request';

/**
 * An authorization request waiting for the user (login steps, account choice, consent). Bound
 * to the browser that started it by a cookie whose hash is kept here; every form of it carries
 * `csrf`, which only the pages of this interaction show.
 */
@Entity('interactions')
export class InteractionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'binding_hash', type: 'varchar', length: 64 }) bindingHash: string;
  @Column({ type: 'varchar', length: 64 }) csrf: string;
  @Column({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ type: 'text', transformer: jsonText }) request: ValidatedAuthorizationRequest;
  /** The session the user signed in with, once a login finished (or was chosen). */
  @Column({ name: 'session_id', type: 'varchar', length: 64, nullable: true }) sessionId: string | null;
  /** The user the login steps so far identified, and how (`amr`), until the last step starts the session. */
  @Column({ name: 'user_id', type: 'varchar', length: 64, nullable: true }) userId: string | null;
  @Column({ type: 'text', nullable: true, transformer: jsonText }) amr: string[] | null;
  /** The acr the steps so far satisfied (the last one that named one), for the session the last step starts. */
  @Column({ type: 'varchar', length: 255, nullable: true }) acr: string | null;
  /** Index of the next login step to run; -1: the account choice (prompt=select_account) comes first. */
  @Column({ type: 'integer', default: 0 }) step: number;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
}
