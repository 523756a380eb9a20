import type { RegisteredClient } from '../clients/registered-client';
import type { ClientRequest } from '../oauth/core/client-request';
import type { UserEntity } from '../users/user.entity';
import type { PluginClient, PluginUser } from './plugin-views.types';

export type { PluginClient, PluginUser };

/** A Set whose mutators throw: plugins read `client.scopes.has(...)` as the built-ins do, and change nothing. */
function readOnlySet<T>(values: Iterable<T>): ReadonlySet<T> {
  const set = new Set(values);
  const refuse = () => {
    throw new TypeError('a client seen by a plugin is read-only');
  };
  Object.defineProperties(set, { add: { value: refuse }, delete: { value: refuse }, clear: { value: refuse } });
  return Object.freeze(set);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/**
 * The plugin's copy of a client: no `secretDigest`, no `sealedSecret`, nothing shared with the
 * client cache — a plugin that writes to it changes nothing the core decides with (and, the
 * copy being frozen, learns so at once).
 */
export function pluginClientView(client: RegisteredClient): PluginClient {
  const { secretDigest: _digest, sealedSecret: _sealed, grantTypes, scopes, responseTypes, corsOrigins, jwks, ...rest } = client;
  return deepFreeze({
    ...rest,
    defaultScopes: [...rest.defaultScopes],
    audience: [...rest.audience],
    redirectUris: [...rest.redirectUris],
    postLogoutRedirectUris: [...rest.postLogoutRedirectUris],
    responseTypes: readOnlySet(responseTypes),
    jwks: jwks ? (structuredClone(jwks) as { keys: object[] }) : null,
    grantTypes: readOnlySet(grantTypes),
    scopes: readOnlySet(scopes),
    corsOrigins: readOnlySet(corsOrigins),
  });
}

export function pluginUserView(user: UserEntity): PluginUser {
  return deepFreeze({ id: user.id, username: user.username, claims: structuredClone(user.claims), enabled: user.enabled });
}

/** Credentials in a token request: for client authenticators, never for grant handlers. */
const CREDENTIAL_PARAMS = ['client_secret', 'client_assertion'];

/** The request as a grant plugin sees it: the client is authenticated already, its credentials stay with the core. */
export function grantPluginRequest(request: ClientRequest): ClientRequest {
  return request.withoutCredentials(CREDENTIAL_PARAMS);
}
