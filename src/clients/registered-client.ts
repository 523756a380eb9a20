import { isProfileName } from '../config/security-profile-names';
import type { ClientEntity } from './client.entity';
import { effectiveCorsOrigins } from './cors-origins';
import type { RegisteredClient } from './registered-client.types';
import { tlsClientAuthOf } from './tls-client-auth-metadata';

export type { RegisteredClient };

/**
 * The reserved scope of the admin API: granted only by client_credentials to a client acting
 * for itself, alone, never by default.
 */
export const ADMIN_SCOPE = 'admin';

const NONE: ReadonlySet<string> = new Set();

export function toRegisteredClient(entity: ClientEntity): RegisteredClient {
  const scopes = entity.scope.split(' ').filter(Boolean);
  return {
    clientId: entity.clientId,
    tenant: entity.tenant,
    name: entity.clientName,
    authMethod: entity.tokenEndpointAuthMethod,
    grantTypes: new Set(entity.grantTypes),
    registrantGrantTypes: entity.registrantGrantTypes?.length ? new Set(entity.registrantGrantTypes) : NONE,
    scopes: new Set(scopes),
    defaultScopes: scopes.filter((scope) => scope !== ADMIN_SCOPE),
    audience: entity.audience,
    redirectUris: entity.redirectUris,
    corsOrigins: effectiveCorsOrigins(entity.allowedCorsOrigins ?? null, entity.tokenEndpointAuthMethod, entity.redirectUris),
    accessTokenFormat: entity.accessTokenFormat as RegisteredClient['accessTokenFormat'],
    secretDigest: entity.secretDigest,
    sealedSecret: entity.sealedSecret,
    jwks: entity.jwks,
    jwksUri: entity.jwksUri,
    authSigningAlg: entity.tokenEndpointAuthSigningAlg,
    requestObjectSigningAlg: entity.requestObjectSigningAlg ?? null,
    requestUris: entity.requestUris ?? [],
    introspectAny: entity.introspectAny === true,
    superAdmin: entity.superAdmin === true,
    securityProfile: isProfileName(entity.securityProfile) ? entity.securityProfile : undefined,
    responseTypes: new Set(entity.responseTypes),
    postLogoutRedirectUris: entity.postLogoutRedirectUris ?? [],
    applicationType: entity.applicationType === 'native' ? 'native' : 'web',
    subjectType: entity.subjectType === 'pairwise' ? 'pairwise' : 'public',
    sectorIdentifierUri: entity.sectorIdentifierUri,
    defaultMaxAge: entity.defaultMaxAge,
    requireAuthTime: entity.requireAuthTime === true,
    requirePushedAuthorizationRequests: entity.requirePushedAuthorizationRequests === true,
    dpopBoundAccessTokens: entity.dpopBoundAccessTokens === true,
    idTokenSignedResponseAlg: entity.idTokenSignedResponseAlg ?? null,
    idTokenEncryptedResponseAlg: entity.idTokenEncryptedResponseAlg ?? null,
    idTokenEncryptedResponseEnc: entity.idTokenEncryptedResponseEnc ?? null,
    userinfoSignedResponseAlg: entity.userinfoSignedResponseAlg ?? null,
    userinfoEncryptedResponseAlg: entity.userinfoEncryptedResponseAlg ?? null,
    userinfoEncryptedResponseEnc: entity.userinfoEncryptedResponseEnc ?? null,
    tlsClientAuth: tlsClientAuthOf(entity.tlsClientAuth),
    authorizationSignedResponseAlg: entity.authorizationSignedResponseAlg ?? null,
    authorizationEncryptedResponseAlg: entity.authorizationEncryptedResponseAlg ?? null,
    authorizationEncryptedResponseEnc: entity.authorizationEncryptedResponseEnc ?? null,
    introspectionSignedResponseAlg: entity.introspectionSignedResponseAlg ?? null,
    introspectionEncryptedResponseAlg: entity.introspectionEncryptedResponseAlg ?? null,
    introspectionEncryptedResponseEnc: entity.introspectionEncryptedResponseEnc ?? null,
  };
}
