// Types only, and nothing they import declares a library type (GrantRecordEntity's TypeORM
// decorators vanish from its declaration): the plugin SDK's declarations reach this file.
import type { RegisteredClient } from '../../clients/registered-client.types';
import type { WriteStep } from '../../database/write-step';
import type { GrantRecordEntity } from '../grant-records/grant-record.entity';
import type { ClientRequest } from './client-request';

/**
 * The two extension points of grantry. Built-in grants and authenticators implement them
 * exactly as a plugin would. They *decide*; the token endpoint alone enforces policy (scopes,
 * audience, the reserved `admin` scope), consumes one-time artefacts — last, atomically, with
 * the tokens that follow — and mints tokens.
 */

export interface GrantContext {
  /** The authenticated client. */
  client: RegisteredClient;
  request: ClientRequest;
  /** The request's parameters (each present at most once). */
  params: Readonly<Record<string, string>>;
  /** `properties` of this grant's TOML table. */
  properties: Readonly<Record<string, unknown>>;
}

/** Who a token speaks for. */
export interface Principal {
  /** `sub`: the resource owner, or the client_id of a client acting for itself. */
  subject: string;
  /**
   * `name` of the registered identity provider that vouched for the subject. Named in the
   * access token (`idp`), so `sub: alice` from two providers is never one principal; the
   * endpoint refuses a provider that is unknown or disabled, at issue and at every refresh.
   */
  identityProvider?: string;
  /** OIDC: when and how the subject authenticated. */
  authTime?: number;
  acr?: string;
  amr?: string[];
  /** The browser session, so logout can end the grant. */
  sessionId?: string;
}

/**
 * An assertion's `jti` to record as used, until `expiresAt` (epoch seconds). A grant or
 * authenticator returns it instead of recording it: the endpoint records it after every
 * other check of the request passed, so a refused request burns nothing.
 */
export interface AssertionJti {
  /** The namespace of the jti: the assertion's issuer (a client_id, an identity provider's iss). */
  issuer: string;
  jti: string;
  expiresAt: number;
}

/** What a grant decided; the token endpoint checks it against policy and turns it into tokens. */
export interface GrantResult {
  principal: Principal;
  /** Within the client's registered scopes, or the endpoint refuses with invalid_scope. */
  scopes: string[];
  /** Audience chosen by the grant, within what the client may address (a requested `resource` still wins). */
  audience?: string[];
  /** Extra access-token claims; registered claims (iss, sub, aud, exp, gid, idp, ...) cannot be set. */
  claims?: Record<string, unknown>;
  /**
   * Ask for a refresh token. One is issued only when the client's grant_types include
   * refresh_token (and never to a client acting for itself).
   */
  refreshToken?: boolean;
  /** Epoch seconds the tokens must not outlive (e.g. a token exchange: the subject token's exp). */
  notAfter?: number;
  /** Assertion jtis the endpoint records as used, last. */
  consume?: AssertionJti[];
  /** Extra token-response members (e.g. RFC 8693 `issued_token_type`); standard members cannot be replaced. */
  response?: Record<string, string | number | boolean>;
  /**
   * Built-in only (plugins cannot set it): statements that must still hold when the tokens are
   * stored — e.g. the user who signed in is unchanged, so a user disabled or given a new password
   * while the request was in flight gets no grant that outlives the change.
   */
  conditions?: WriteStep[];
  /**
   * Built-in only (plugins cannot set it): the subject is a local user's id. Recorded on the grant:
   * userinfo answers only for such grants, and pairwise clients (OIDC Core §8.1) see their subject
   * pairwise. Anything else (a provider's own `sub`, a plugin's subject) is not a user of this server.
   */
  subjectIsUser?: boolean;
  /**
   * Built-in only (plugins cannot set it): the grant record this request continues — a refresh —
   * and the statement that redeems the artefact presented, committed with the tokens that follow.
   */
  continues?: {
    record: GrantRecordEntity;
    redemption: WriteStep;
    /** OIDC: the nonce of the authorization request, for the ID token. */
    nonce?: string;
    /** RFC 9449 §5, §10: the DPoP key (`jkt`) the redeemed refresh token or code is bound to; the request must prove it. */
    dpopJkt?: string;
  };
}

export interface GrantHandler {
  /** The `grant_type` value this handler serves. */
  readonly grantType: string;
  /** Parameter checks before `handle` (WSO2's "grant_validator"). */
  validate?(request: ClientRequest): void;
  handle(context: GrantContext): Promise<GrantResult>;
}

export interface AuthenticatedClient {
  client: RegisteredClient;
  /** Assertion jtis the endpoint records as used once the whole request passed. */
  consume?: AssertionJti[];
}

export interface ClientAuthenticator {
  /** The `token_endpoint_auth_method` this authenticator implements. */
  readonly method: string;
  /** JWS algorithms it accepts, for `token_endpoint_auth_signing_alg` (JWT-based methods only). */
  readonly signingAlgs?: readonly string[];
  /**
   * Receives `[event_listener.properties]` once at start-up, before any request; throwing
   * stops start-up with the message (name the bad property). A tenant whose overrides change the
   * properties is served by a copy (`Object.create(instance)`) on which `configure` runs again with
   * the tenant's: so `configure` assigns its state to `this` and never mutates what it shares.
   */
  configure?(properties: Readonly<Record<string, unknown>>): void;
  /**
   * True when the credentials alone do not tell this method from another (RFC 8705's two mTLS
   * methods, both a client certificate and a client_id; `none`, a client_id alone): among such
   * authenticators the chain picks the one the client registered.
   */
  readonly selectedByRegistration?: boolean;
  /** Does the request carry this method's credentials? Must not throw or do I/O. */
  canAuthenticate(request: ClientRequest): boolean;
  /** Verifies the credentials; throws `OAuthError.invalidClient(undefined, { detail })` when they fail. */
  authenticate(request: ClientRequest): Promise<AuthenticatedClient>;
}
