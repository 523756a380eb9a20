import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../database/columns';

/** A registered client; column names follow RFC 7591 metadata. */
@Entity('clients')
export class ClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'client_name', type: 'varchar', length: 255 }) clientName: string;
  /** HMAC-SHA256 of the secret under a key derived from the master key: verifies Basic/post. */
  @Column({ name: 'secret_digest', type: 'varchar', length: 64, nullable: true }) secretDigest: string | null;
  /** The secret sealed under the master key: client_secret_jwt needs it back to check an HMAC. */
  @Column({ name: 'secret_encrypted', type: 'text', nullable: true }) sealedSecret: string | null;
  @Column({ name: 'token_endpoint_auth_method', type: 'varchar', length: 64 }) tokenEndpointAuthMethod: string;
  @Column({ name: 'grant_types', type: 'text', transformer: jsonText }) grantTypes: string[];
  @Column({ name: 'response_types', type: 'text', transformer: jsonText }) responseTypes: string[];
  @Column({ name: 'redirect_uris', type: 'text', transformer: jsonText }) redirectUris: string[];
  @Column({ type: 'text' }) scope: string;
  @Column({ type: 'text', transformer: jsonText }) audience: string[];
  @Column({ type: 'text', nullable: true, transformer: jsonText }) jwks: { keys: object[] } | null;
  @Column({ name: 'jwks_uri', type: 'text', nullable: true }) jwksUri: string | null;
  @Column({ name: 'token_endpoint_auth_signing_alg', type: 'varchar', length: 16, nullable: true })
  tokenEndpointAuthSigningAlg: string | null;
  @Column({ name: 'access_token_format', type: 'varchar', length: 16, nullable: true }) accessTokenFormat: string | null;
  /** Admin-only: may introspect any token of its tenant. */
  @Column({ name: 'introspect_any', type: 'boolean', default: false }) introspectAny: boolean;
  @Column({ name: 'post_logout_redirect_uris', type: 'text', nullable: true, transformer: jsonText }) postLogoutRedirectUris: string[] | null;
  @Column({ name: 'application_type', type: 'varchar', length: 16, nullable: true }) applicationType: string | null;
  @Column({ name: 'subject_type', type: 'varchar', length: 16, nullable: true }) subjectType: string | null;
  @Column({ name: 'sector_identifier_uri', type: 'text', nullable: true }) sectorIdentifierUri: string | null;
  @Column({ name: 'default_max_age', type: 'integer', nullable: true }) defaultMaxAge: number | null;
  @Column({ name: 'require_auth_time', type: 'boolean', default: false }) requireAuthTime: boolean;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'updated_at', type: 'bigint', transformer: epochSeconds }) updatedAt: number;
}
