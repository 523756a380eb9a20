import type { RegisteredClient } from '../../src/clients/registered-client';

/** A registered client as the clients service loads it, for unit specs: a confidential client_credentials client unless `fields` say otherwise. */
export function registeredClient(fields: Partial<RegisteredClient> = {}): RegisteredClient {
  return {
    clientId: 'c1',
    tenant: 'carbon.super',
    name: 'test',
    authMethod: 'client_secret_basic',
    grantTypes: new Set(['client_credentials']),
    registrantGrantTypes: new Set(),
    corsOrigins: new Set(),
    scopes: new Set(),
    defaultScopes: [],
    audience: [],
    redirectUris: [],
    accessTokenFormat: null,
    secretDigest: null,
    sealedSecret: null,
    jwks: null,
    jwksUri: null,
    authSigningAlg: null,
    introspectAny: false,
    responseTypes: new Set(),
    postLogoutRedirectUris: [],
    applicationType: 'web',
    subjectType: 'public',
    sectorIdentifierUri: null,
    defaultMaxAge: null,
    requireAuthTime: false,
    idTokenSignedResponseAlg: null,
    idTokenEncryptedResponseAlg: null,
    idTokenEncryptedResponseEnc: null,
    userinfoSignedResponseAlg: null,
    userinfoEncryptedResponseAlg: null,
    userinfoEncryptedResponseEnc: null,
    ...fields,
  };
}
