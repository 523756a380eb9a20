// Types only, importing no library: the plugin SDK's declarations reach this file.
import type { ProfileName } from '../config/security-profile-names';
import type { TlsClientAuthMetadata } from './tls-client-auth-metadata';

/**
 * A client as the token endpoint sees it: parsed once (sets for membership tests) and
 * cached, so the hot path does no JSON parsing or array scans.
 */
export interface RegisteredClient {
  readonly clientId: string;
  readonly tenant: string;
  readonly name: string;
  readonly authMethod: string;
  readonly grantTypes: ReadonlySet<string>;
  /** Those its registrant chose (RFC 7591/7592) and no administrator approved: empty for clients an administrator made or saved. */
  readonly registrantGrantTypes: ReadonlySet<string>;
  /** Registered scope: what the client may request. */
  readonly scopes: ReadonlySet<string>;
  /** What it gets when it asks for none: its registered scopes except `admin`, which must be asked for. */
  readonly defaultScopes: readonly string[];
  readonly audience: readonly string[];
  readonly redirectUris: readonly string[];
  /** Origins whose browser code may call the token, revocation and userinfo endpoints (the default already applied). */
  readonly corsOrigins: ReadonlySet<string>;
  readonly accessTokenFormat: 'jwt' | 'opaque' | null;
  readonly secretDigest: string | null;
  readonly sealedSecret: string | null;
  readonly jwks: { keys: object[] } | null;
  readonly jwksUri: string | null;
  readonly authSigningAlg: string | null;
  /** The only alg its request objects may be signed with (RFC 9101, OIDC Registration §2); null: any the profile allows. */
  readonly requestObjectSigningAlg: string | null;
  /** URLs its `request_uri` values may name (OIDC Registration §2). */
  readonly requestUris: readonly string[];
  /** May introspect any token of its tenant, not only its own and those addressed to it. */
  readonly introspectAny: boolean;
  /** With `admin`, a super-admin: administers tenants and any tenant's admin API (default tenant only). */
  readonly superAdmin: boolean;
  /** Its own security profile (admin-only, stricter than its tenant's); undefined: its tenant's. */
  readonly securityProfile?: ProfileName;
  /** Canonical response types it registered (`code`, `code id_token`, ...). */
  readonly responseTypes: ReadonlySet<string>;
  readonly postLogoutRedirectUris: readonly string[];
  readonly applicationType: 'web' | 'native';
  readonly subjectType: 'public' | 'pairwise';
  readonly sectorIdentifierUri: string | null;
  readonly defaultMaxAge: number | null;
  readonly requireAuthTime: boolean;
  /** RFC 9126 §6: only pushed authorization requests. */
  readonly requirePushedAuthorizationRequests: boolean;
  /** RFC 9449 §5.2: every token request must carry a DPoP proof. */
  readonly dpopBoundAccessTokens: boolean;
  /** null: the server's `[oauth.token] signing_alg`. */
  readonly idTokenSignedResponseAlg: string | null;
  /** JWE of ID tokens (alg and enc both set or both null; see encryption-metadata.ts). */
  readonly idTokenEncryptedResponseAlg: string | null;
  readonly idTokenEncryptedResponseEnc: string | null;
  /** null: userinfo answers plain JSON. */
  readonly userinfoSignedResponseAlg: string | null;
  readonly userinfoEncryptedResponseAlg: string | null;
  readonly userinfoEncryptedResponseEnc: string | null;
  /** RFC 8705: the expected certificate subject of a tls_client_auth client, and whether its access tokens are certificate-bound. */
  readonly tlsClientAuth: TlsClientAuthMetadata;
  /** JARM (response_mode *.jwt): the alg, else `[oauth.token] signing_alg`; encryption when registered. */
  readonly authorizationSignedResponseAlg: string | null;
  readonly authorizationEncryptedResponseAlg: string | null;
  readonly authorizationEncryptedResponseEnc: string | null;
  /** RFC 9701 JWT introspection responses to this client: the alg, else `[oauth.token] signing_alg`; encryption when registered. */
  readonly introspectionSignedResponseAlg: string | null;
  readonly introspectionEncryptedResponseAlg: string | null;
  readonly introspectionEncryptedResponseEnc: string | null;
}
