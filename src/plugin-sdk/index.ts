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
import type { LoggerService } from '@nestjs/common';
import type { PluginServices } from '../plugins/plugin-services';

export { OAuthError } from '../common/oauth-error';
export type { RegisteredClient } from '../clients/registered-client';
export type { AssertionJti, AuthenticatedClient, ClientAuthenticator, GrantContext, GrantHandler, GrantResult, Principal } from '../oauth/core/extension-points';
export type { ClientRequest, TokenRequest } from '../oauth/core/client-request';
export type { AccessTokenInfo } from '../oauth/tokens/access-token.lookup';
export type { SenderConstraint } from '../oauth/core/sender-constraint';
export type { PluginServices } from '../plugins/plugin-services';
export type { PluginClient, PluginUser } from '../plugins/plugin-views';

/**
 * What a grant plugin's `handle` receives: copies, never the core's objects — the client frozen
 * and without secret material, the request without the Authorization header and without
 * `client_secret` / `client_assertion` — and a signal that fires at `[plugins] timeout`.
 */
export interface PluginGrantContext {
  readonly client: import('../plugins/plugin-views').PluginClient;
  readonly request: import('../oauth/core/client-request').ClientRequest;
  readonly params: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly signal: AbortSignal;
}

/** What the plugin's constructor receives. */
export interface PluginContext {
  /** The `properties` table of the plugin's TOML entry. */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly logger: LoggerService;
  readonly services: PluginServices;
}

/** RFC 8693 token type identifiers, for token-exchange style grants. */
export const TOKEN_TYPES = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;
