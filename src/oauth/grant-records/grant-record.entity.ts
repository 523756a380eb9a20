import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../../database/columns';

/** The individual user claims a request asked for, by where they go (OIDC Core §5.5): kept with the grant. */
export interface RequestedClaims {
  /** Into every ID token of the grant (the authorization endpoint's, the code exchange's, each refresh's). */
  id_token: string[];
  /** Into the userinfo response of the grant's access tokens. */
  userinfo: string[];
}

/** How the subject authenticated, for OIDC (`auth_time`, `acr`, `amr`). */
export interface AuthenticationFacts {
  authTime?: number;
  acr?: string;
  amr?: string[];
}

/**
 * What a resource owner (or an identity provider vouching for a subject) granted a client:
 * the one record every token issued under it points to. Revoking it is one sticky write
 * (`revoked_at`) that every later refresh, introspection and resource-server check sees.
 * It holds no sender constraint: each token carries its own (`cnf`) — a confidential client may
 * bind each access token to another key, and a public client's refresh tokens are bound at a token
 * request, after a code flow's record exists (RFC 9449 §5; `refresh_tokens.cnf`).
 */
@Entity('grant_records')
export class GrantRecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 64 }) tenant: string;
  @Column({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  /** The grant type that created it (a refresh continues it, it never creates one). */
  @Column({ name: 'grant_type', type: 'varchar', length: 255 }) grantType: string;
  @Column({ type: 'varchar', length: 255 }) subject: string;
  /**
   * The subject is a local user's id (a browser sign-in, the password grant, a provider's subject
   * mapped to its linked user), decided when the grant was made — never from today's settings: an
   * identity provider's own subject stays in its namespace even if a string equal to a user's id.
   * Userinfo answers only for these, and pairwise clients see these subjects pairwise.
   */
  @Column({ name: 'subject_is_user', type: 'boolean', default: false }) subjectIsUser: boolean;
  /** Id of the identity provider that vouched for the subject; null for a local subject. */
  @Column({ name: 'identity_provider', type: 'varchar', length: 64, nullable: true }) identityProvider: string | null;
  /** The browser session it came from (OIDC `sid`), so logout can end it. */
  @Column({ name: 'session_id', type: 'varchar', length: 64, nullable: true }) sessionId: string | null;
  @Column({ type: 'text', nullable: true, transformer: jsonText }) authentication: AuthenticationFacts | null;
  @Column({ type: 'text' }) scope: string;
  @Column({ type: 'text', transformer: jsonText }) audience: string[];
  @Column({ type: 'text', transformer: jsonText }) claims: Record<string, unknown>;
  /** OIDC Core §5.5: user claims the authorization request asked for one by one, for its ID tokens and userinfo; null: none. */
  @Column({ name: 'requested_claims', type: 'text', nullable: true, transformer: jsonText }) requestedClaims: RequestedClaims | null;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  /** Absolute end (`refresh_token_absolute_ttl`), whatever the rotations; earlier when a grant caps it. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochSeconds }) expiresAt: number;
  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochSeconds }) revokedAt: number | null;
}
