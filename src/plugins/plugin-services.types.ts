// Types only, importing no library but Node's own: the plugin SDK's declarations reach this file.
import type { X509Certificate } from 'node:crypto';
import type { OAuthError } from '../common/oauth-error';
import type { AccessTokenInfo } from '../oauth/tokens/access-token-info';
import type { PluginClient, PluginUser } from './plugin-views.types';

/**
 * What a plugin may use: read-only lookups and the guarded fetcher — never signing keys, raw
 * repositories, token minting or consumption (a plugin returns the jtis to consume; the token
 * endpoint records them last).
 */
export interface PluginServices {
  /** A frozen copy of the client, without secret material. */
  clients: { find(clientId: string): Promise<PluginClient | undefined> };
  /** Verifies an access token of this server (JWT or opaque); undefined when not active. */
  tokens: { lookup(token: string): Promise<AccessTokenInfo | undefined> };
  /** Frozen copies of users, without password hashes; by id (a token's `sub`) or username. */
  users: { findById(id: string): Promise<PluginUser | undefined>; findByUsername(username: string): Promise<PluginUser | undefined> };
  truststore: { find(alias: string): Promise<X509Certificate | undefined> };
  /** https-only, no private addresses, 5 s, 64 KiB (see [oauth.outbound]). */
  fetch: { json(uri: string): Promise<unknown> };
  /** The error type the token endpoint renders as RFC 6749 §5.2 JSON. */
  OAuthError: typeof OAuthError;
}
