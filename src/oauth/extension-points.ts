import { DiscoveryService } from '@nestjs/core';
import type { RegisteredClient } from '../clients/registered-client';
import type { TokenRequest } from './token/token-request';

/**
 * The two extension points of grantry. Built-in grants and authenticators implement them
 * exactly as a plugin would; the token endpoint alone mints and stores tokens.
 */

export interface GrantContext {
  /** The authenticated client. */
  client: RegisteredClient;
  request: TokenRequest;
  /** The request's parameters (each present at most once). */
  params: Readonly<Record<string, string>>;
  /** `properties` of this grant's TOML table. */
  properties: Readonly<Record<string, unknown>>;
}

/** What a grant decided; the token endpoint turns it into tokens. */
export interface GrantResult {
  /** `sub` of the access token: the resource owner, or the client_id for client_credentials. */
  subject: string;
  scopes: string[];
  /** Audience chosen by the grant (a requested `resource` still wins). */
  audience?: string[];
  /** Extra access-token claims; registered claims (iss, sub, aud, exp, ...) cannot be overridden. */
  claims?: Record<string, unknown>;
  /**
   * Ask for a refresh token. One is issued only when the client's grant_types include
   * refresh_token (and never to client_credentials clients acting for themselves).
   */
  refreshToken?: boolean;
  /** The refresh-token family a rotation continues (set by the refresh_token grant). */
  refreshTokenFamily?: string;
  /** Extra token-response members (e.g. RFC 8693 `issued_token_type`); standard members cannot be replaced. */
  response?: Record<string, string | number | boolean>;
}

export interface GrantHandler {
  /** The `grant_type` value this handler serves. */
  readonly grantType: string;
  /** Parameter checks before `handle` (WSO2's "grant_validator"). */
  validate?(request: TokenRequest): void;
  handle(context: GrantContext): Promise<GrantResult>;
}

export interface AuthenticatedClient {
  client: RegisteredClient;
}

export interface ClientAuthenticator {
  /** The `token_endpoint_auth_method` this authenticator implements. */
  readonly method: string;
  /** JWS algorithms it accepts, for `token_endpoint_auth_signing_alg` (JWT-based methods only). */
  readonly signingAlgs?: readonly string[];
  /**
   * Receives `[event_listener.properties]` once at start-up, before any request; throwing
   * stops start-up with the message (name the bad property).
   */
  configure?(properties: Readonly<Record<string, unknown>>): void;
  /** Does the request carry this method's credentials? Must not throw or do I/O. */
  canAuthenticate(request: TokenRequest): boolean;
  /** Verifies the credentials; throws `OAuthError.invalidClient(detail)` when they fail. */
  authenticate(request: TokenRequest): Promise<AuthenticatedClient>;
}

export interface GrantOptions {
  /** Default position; `[oauth.grant_type.<id>] order` overrides it. */
  order: number;
  /** Name of its TOML table under `[oauth.grant_type]`. */
  id: string;
}

export interface AuthenticatorOptions {
  order: number;
  /** `[[event_listener]] id` that configures it. */
  id: string;
  /** `[[event_listener]] name` values that configure it too (WSO2 class names). */
  names?: string[];
}

/** Marks a provider as a grant handler for the grant registry. */
export const Grant = DiscoveryService.createDecorator<GrantOptions>();

/** Marks a provider as a client authenticator for the authenticator chain. */
export const ClientAuth = DiscoveryService.createDecorator<AuthenticatorOptions>();
