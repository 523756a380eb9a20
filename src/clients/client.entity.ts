import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../database/columns';
import type { StoredTlsClientAuth } from './tls-client-auth-metadata';

/** Shown to users and registrants, never decided on; absent keys read as null/empty. */
export interface DisplayMetadata {
  client_uri?: string | null;
  logo_uri?: string | null;
  policy_uri?: string | null;
  tos_uri?: string | null;
  contacts?: string[];
  software_id?: string | null;
  software_version?: string | null;
  /** RFC 7591 §2.2 variants: `client_name#fr` → value. */
  localized?: Record<string, string>;
}

/** A registered client; column names follow RFC 7591 metadata. */
@Entity('clients')
export class ClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'client_name', type: 'varchar', length: 255 }) clientName: string;
  /** HMAC-SHA256 of the secret under a key derived from the master key: verifies Basic/post. */
  @Column({ name: 'secret_digest', type: 'varchar', length: 64, nullable: true }) secretDigest: string | null;
  /** The secret sealed under the master key: client_secret_jwt (and HS* request objects) need it back to check an HMAC. */
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
  /** OIDC Registration §2 / RFC 9101: the only alg its request objects may use; null: any the profile allows. */
  @Column({ name: 'request_object_signing_alg', type: 'varchar', length: 16, nullable: true }) requestObjectSigningAlg: string | null;
  /** OIDC Registration §2: the URLs its `request_uri` values may name (fragment ignored). */
  @Column({ name: 'request_uris', type: 'text', nullable: true, transformer: jsonText }) requestUris: string[] | null;
  @Column({ name: 'access_token_format', type: 'varchar', length: 16, nullable: true }) accessTokenFormat: string | null;
  /** Admin-only: may introspect any token of its tenant. */
  @Column({ name: 'introspect_any', type: 'boolean', default: false }) introspectAny: boolean;
  /** Admin-only, default tenant only: with `admin`, administers tenants and every tenant (see `SUPER_ADMIN_FIELD`). */
  @Column({ name: 'super_admin', type: 'boolean', default: false }) superAdmin: boolean;
  /** Admin-only: its security profile, stricter than its tenant's; null: its tenant's. */
  @Column({ name: 'security_profile', type: 'varchar', length: 32, nullable: true }) securityProfile: string | null;
  @Column({ name: 'post_logout_redirect_uris', type: 'text', nullable: true, transformer: jsonText }) postLogoutRedirectUris: string[] | null;
  @Column({ name: 'application_type', type: 'varchar', length: 16, nullable: true }) applicationType: string | null;
  @Column({ name: 'subject_type', type: 'varchar', length: 16, nullable: true }) subjectType: string | null;
  @Column({ name: 'sector_identifier_uri', type: 'text', nullable: true }) sectorIdentifierUri: string | null;
  @Column({ name: 'default_max_age', type: 'integer', nullable: true }) defaultMaxAge: number | null;
  @Column({ name: 'require_auth_time', type: 'boolean', default: false }) requireAuthTime: boolean;
  @Column({ name: 'require_pushed_authorization_requests', type: 'boolean', default: false }) requirePushedAuthorizationRequests: boolean;
  @Column({ name: 'dpop_bound_access_tokens', type: 'boolean', default: false }) dpopBoundAccessTokens: boolean;
  /** Web origins for CORS; null: derived (see clients/cors-origins.ts). */
  @Column({ name: 'allowed_cors_origins', type: 'text', nullable: true, transformer: jsonText }) allowedCorsOrigins: string[] | null;
  @Column({ name: 'id_token_signed_response_alg', type: 'varchar', length: 16, nullable: true }) idTokenSignedResponseAlg: string | null;
  @Column({ name: 'id_token_encrypted_response_alg', type: 'varchar', length: 32, nullable: true }) idTokenEncryptedResponseAlg: string | null;
  @Column({ name: 'id_token_encrypted_response_enc', type: 'varchar', length: 32, nullable: true }) idTokenEncryptedResponseEnc: string | null;
  @Column({ name: 'userinfo_signed_response_alg', type: 'varchar', length: 16, nullable: true }) userinfoSignedResponseAlg: string | null;
  @Column({ name: 'userinfo_encrypted_response_alg', type: 'varchar', length: 32, nullable: true }) userinfoEncryptedResponseAlg: string | null;
  @Column({ name: 'userinfo_encrypted_response_enc', type: 'varchar', length: 32, nullable: true }) userinfoEncryptedResponseEnc: string | null;
  /** JARM: authorization responses as JWTs (response_mode *.jwt); null: [oauth.token] signing_alg, not encrypted. */
  @Column({ name: 'authorization_signed_response_alg', type: 'varchar', length: 16, nullable: true }) authorizationSignedResponseAlg: string | null;
  @Column({ name: 'authorization_encrypted_response_alg', type: 'varchar', length: 32, nullable: true }) authorizationEncryptedResponseAlg: string | null;
  @Column({ name: 'authorization_encrypted_response_enc', type: 'varchar', length: 32, nullable: true }) authorizationEncryptedResponseEnc: string | null;
  /** RFC 9701: JWT introspection responses (on Accept: application/token-introspection+jwt). */
  @Column({ name: 'introspection_signed_response_alg', type: 'varchar', length: 16, nullable: true }) introspectionSignedResponseAlg: string | null;
  @Column({ name: 'introspection_encrypted_response_alg', type: 'varchar', length: 32, nullable: true }) introspectionEncryptedResponseAlg: string | null;
  @Column({ name: 'introspection_encrypted_response_enc', type: 'varchar', length: 32, nullable: true }) introspectionEncryptedResponseEnc: string | null;
  /** client_uri, logo_uri, policy_uri, tos_uri, contacts, software_id/version and language variants: shown, never decided on. */
  @Column({ name: 'display_metadata', type: 'text', nullable: true, transformer: jsonText }) displayMetadata: DisplayMetadata | null;
  /** RFC 8705: a tls_client_auth client's expected certificate subject, and certificate-bound tokens; null: neither. */
  @Column({ name: 'tls_client_auth', type: 'text', nullable: true, transformer: jsonText }) tlsClientAuth: StoredTlsClientAuth | null;
  /** RFC 7591 §3.2.1: returned unmodified with the client's metadata. */
  @Column({ name: 'software_statement', type: 'text', nullable: true }) softwareStatement: string | null;
  /** RFC 7592: keyed digest of the registration access token; null for clients the admin API or CLI made. */
  @Column({ name: 'registration_token_digest', type: 'varchar', length: 64, nullable: true }) registrationTokenDigest: string | null;
  /**
   * RFC 7591/7592: the grant types its registrant chose that no administrator has saved since;
   * null once an administrator made or saved the client (every grant type it holds is theirs).
   * The token endpoint lets a registrant's choice stand only while `[oauth.registration]
   * allowed_grant_types` lists it.
   */
  @Column({ name: 'registrant_grant_types', type: 'text', nullable: true, transformer: jsonText }) registrantGrantTypes: string[] | null;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'updated_at', type: 'bigint', transformer: epochSeconds }) updatedAt: number;
  /** Raised by every change; an administrator's change is an UPDATE conditional on it (the ETag names it). */
  @Column({ type: 'integer', default: 1 }) version: number;
}
