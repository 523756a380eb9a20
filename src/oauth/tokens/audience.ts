import type { RegisteredClient } from '../../clients/registered-client';
import { OAuthError } from '../../common/oauth-error';

/**
 * `aud` of an access token: the requested `resource`s (RFC 8707) when the client registered
 * them as its audience; else the grant's choice; else the client's registered audience;
 * else `[oauth.token] default_audience`; else the client_id.
 */
export function resolveAudience(
  client: RegisteredClient,
  resources: readonly string[],
  grantAudience: readonly string[] | undefined,
  defaultAudience: readonly string[],
): string[] {
  if (resources.length) {
    for (const resource of resources) {
      // RFC 8707 §2: an absolute URI without a fragment.
      if (!URL.canParse(resource) || resource.includes('#')) {
        throw OAuthError.invalidTarget(`resource must be an absolute URI without a fragment: ${resource}`, { reason: 'target_not_allowed' });
      }
      if (!client.audience.includes(resource)) throw OAuthError.invalidTarget(`resource not allowed for this client: ${resource}`, { reason: 'target_not_allowed' });
    }
    return [...new Set(resources)];
  }
  if (grantAudience?.length) return [...grantAudience];
  if (client.audience.length) return [...client.audience];
  if (defaultAudience.length) return [...defaultAudience];
  return [client.clientId];
}

/**
 * Every audience the client may address without naming a `resource`: its registered audience,
 * else `[oauth.token] default_audience`, else itself. A grant's chosen audience must stay in it.
 */
export function allowedAudience(client: RegisteredClient, defaultAudience: readonly string[]): readonly string[] {
  if (client.audience.length) return client.audience;
  if (defaultAudience.length) return defaultAudience;
  return [client.clientId];
}
