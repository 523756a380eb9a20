/**
 * grantry/plugin — what a drop-in grant handler or client authenticator is written against.
 *
 * A plugin module's default export (`export default` or `module.exports`) is a class;
 * grantry calls `new Plugin(context)` once at start-up and then `handle(...)` (grants) or
 * `canAuthenticate(...)` / `authenticate(...)` (authenticators) per request. Throw
 * `OAuthError` (also at `context.services.OAuthError`) for RFC 6749 errors; anything else
 * becomes a 500 server_error with a correlation id, and so does a plugin that does not
 * answer within `[plugins] timeout` seconds.
 *
 * A grant decides; the token endpoint enforces its policy on the decision (scopes within the
 * client's registration, no `admin`, audiences the client may address) and consumes what the
 * plugin returns in `consume` — last, atomically — so a plugin never records a `jti` itself.
 */
import type { PluginLogger } from '../plugins/plugin-logger.types';
import type { PluginServices } from '../plugins/plugin-services.types';

// Every type here comes from a types-only file that imports no library (Node's own types aside),
// so @grantry/plugin-sdk, built from this file, is all a plugin needs to compile (no skipLibCheck);
// scripts/build-packages.mjs fails when its declarations reach anything else.
export { OAuthError } from '../common/oauth-error';
export type { RegisteredClient } from '../clients/registered-client.types';
export type { AssertionJti, AuthenticatedClient, ClientAuthenticator, GrantContext, GrantHandler, GrantResult, Principal } from '../oauth/core/extension-point.types';
export type { ClientRequest, TokenRequest } from '../oauth/core/client-request';
export type { AccessTokenInfo } from '../oauth/tokens/access-token-info';
export type { SenderConstraint } from '../oauth/core/sender-constraint';
export type { PluginLogger } from '../plugins/plugin-logger.types';
export type { PluginServices } from '../plugins/plugin-services.types';
export type { PluginClient, PluginUser } from '../plugins/plugin-views.types';
export type { PluginTenant } from '../plugins/plugin-tenant.types';

/**
 * What a grant plugin's `handle` receives: copies, never the core's objects — the client frozen
 * and without secret material, the request without the Authorization header and without
 * `client_secret` / `client_assertion` — the tenant it is called for, and a signal that fires at
 * `[plugins] timeout`.
 */
export interface PluginGrantContext {
  readonly client: import('../plugins/plugin-views.types').PluginClient;
  readonly request: import('../oauth/core/client-request').ClientRequest;
  readonly params: Readonly<Record<string, string>>;
  /** The file's `properties` of the grant's table (the same for every tenant: see `tenant.properties`). */
  readonly properties: Readonly<Record<string, unknown>>;
  /**
   * The tenant the request is for (`/t/{domain}/...` or `?tenantDomain=`; the default tenant
   * otherwise): its domain, issuer, and this plugin's properties as that tenant sees them. The
   * client, and whatever `services` look up during the call, are that tenant's.
   */
  readonly tenant: import('../plugins/plugin-tenant.types').PluginTenant;
  readonly signal: AbortSignal;
}

/** The second argument of a client authenticator plugin's `authenticate(request, options)`. */
export interface PluginAuthenticateOptions {
  readonly signal: AbortSignal;
  /** The tenant the token request is for; `services.clients.find` looks in it. */
  readonly tenant: import('../plugins/plugin-tenant.types').PluginTenant;
}

/**
 * What the plugin's constructor receives, once at start-up for every tenant: per-tenant state
 * belongs in the calls (`context.tenant`), not in the constructor.
 */
export interface PluginContext {
  /** The `properties` table of the plugin's TOML entry (the file's; a tenant's overrides are in `tenant.properties` of each call). */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly logger: PluginLogger;
  readonly services: PluginServices;
}

/** RFC 8693 token type identifiers, for token-exchange style grants. */
export const TOKEN_TYPES = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;
