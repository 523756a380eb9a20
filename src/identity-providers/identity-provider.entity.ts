import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../database/columns';

/** A trusted issuer of JWT bearer grant assertions. */
@Entity('identity_providers')
export class IdentityProviderEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  /** The `iss` its assertions carry. */
  @Column({ type: 'varchar', length: 255 }) issuer: string;
  /** The `aud` its assertions must name; null means this server's token endpoint URL. */
  @Column({ type: 'text', nullable: true }) alias: string | null;
  @Column({ name: 'jwks_uri', type: 'text', nullable: true }) jwksUri: string | null;
  /** A PEM certificate uploaded with the provider. */
  @Column({ type: 'text', nullable: true }) certificate: string | null;
  /** Or the alias of a truststore certificate. */
  @Column({ name: 'certificate_alias', type: 'varchar', length: 255, nullable: true }) certificateAlias: string | null;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  /** Development only: fetch this provider's jwks_uri over http and from private addresses. */
  @Column({ name: 'allow_insecure_jwks_uri', type: 'boolean', default: false }) allowInsecureJwksUri: boolean;
  @Column({ name: 'signing_algs', type: 'text', transformer: jsonText }) signingAlgs: string[];
  /** Assertion claim → access-token claim. */
  @Column({ name: 'claim_mappings', type: 'text', transformer: jsonText }) claimMappings: Record<string, string>;
  /** The assertion's `sub` names a local user through that user's identity link to this provider (WSO2's subject mapping). */
  @Column({ name: 'map_subject_to_user', type: 'boolean', default: false }) mapSubjectToUser: boolean;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'updated_at', type: 'bigint', transformer: epochSeconds }) updatedAt: number;
  /** Raised by every change; an administrator's change is an UPDATE conditional on it (the ETag names it). */
  @Column({ type: 'integer', default: 1 }) version: number;
}
