/** Between a client's row and its RFC 7591 metadata and the JSON the admin API, CLI and registration show. */
import { isProfileName } from '../config/config.schema';
import type { ClientEntity, DisplayMetadata } from './client.entity';
import type { ClientMetadata } from './client-metadata';
import { storedTlsClientAuth, tlsClientAuthOf } from './tls-client-auth-metadata';

/** Metadata as JSON shows it: `localized` spread into `client_name#fr`-style fields. */
export type ClientDocument = Omit<ClientMetadata, 'localized'> & { [tagged: `${string}#${string}`]: string };

/** What the admin API and CLI show; `client_secret` only in the answer that created or rotated it. */
export type ClientView = ClientDocument & {
  client_id: string;
  client_id_issued_at: number;
  updated_at: number;
  client_secret?: string;
  client_secret_expires_at?: number;
};

/** Entity columns from validated metadata (display fields and language variants in one JSON column). */
export function applyMetadata(entity: ClientEntity, metadata: ClientMetadata): void {
  entity.clientName = metadata.client_name;
  entity.grantTypes = metadata.grant_types;
  entity.tokenEndpointAuthMethod = metadata.token_endpoint_auth_method;
  entity.scope = metadata.scope;
  entity.redirectUris = metadata.redirect_uris;
  entity.responseTypes = metadata.response_types;
  entity.jwks = metadata.jwks;
  entity.jwksUri = metadata.jwks_uri;
  entity.tokenEndpointAuthSigningAlg = metadata.token_endpoint_auth_signing_alg;
  entity.requestObjectSigningAlg = metadata.request_object_signing_alg;
  entity.requestUris = metadata.request_uris;
  entity.accessTokenFormat = metadata.access_token_format;
  entity.audience = metadata.audience;
  entity.introspectAny = metadata.introspect_any;
  entity.superAdmin = metadata.super_admin;
  entity.securityProfile = metadata.security_profile;
  entity.postLogoutRedirectUris = metadata.post_logout_redirect_uris;
  entity.applicationType = metadata.application_type;
  entity.subjectType = metadata.subject_type;
  entity.sectorIdentifierUri = metadata.sector_identifier_uri;
  entity.defaultMaxAge = metadata.default_max_age;
  entity.requireAuthTime = metadata.require_auth_time;
  entity.requirePushedAuthorizationRequests = metadata.require_pushed_authorization_requests;
  entity.dpopBoundAccessTokens = metadata.dpop_bound_access_tokens;
  entity.allowedCorsOrigins = metadata.allowed_cors_origins;
  entity.idTokenSignedResponseAlg = metadata.id_token_signed_response_alg;
  entity.idTokenEncryptedResponseAlg = metadata.id_token_encrypted_response_alg;
  entity.idTokenEncryptedResponseEnc = metadata.id_token_encrypted_response_enc;
  entity.userinfoSignedResponseAlg = metadata.userinfo_signed_response_alg;
  entity.userinfoEncryptedResponseAlg = metadata.userinfo_encrypted_response_alg;
  entity.userinfoEncryptedResponseEnc = metadata.userinfo_encrypted_response_enc;
  entity.authorizationSignedResponseAlg = metadata.authorization_signed_response_alg;
  entity.authorizationEncryptedResponseAlg = metadata.authorization_encrypted_response_alg;
  entity.authorizationEncryptedResponseEnc = metadata.authorization_encrypted_response_enc;
  entity.introspectionSignedResponseAlg = metadata.introspection_signed_response_alg;
  entity.introspectionEncryptedResponseAlg = metadata.introspection_encrypted_response_alg;
  entity.introspectionEncryptedResponseEnc = metadata.introspection_encrypted_response_enc;
  const display: DisplayMetadata = {
    client_uri: metadata.client_uri,
    logo_uri: metadata.logo_uri,
    policy_uri: metadata.policy_uri,
    tos_uri: metadata.tos_uri,
    contacts: metadata.contacts,
    software_id: metadata.software_id,
    software_version: metadata.software_version,
    localized: metadata.localized,
  };
  entity.displayMetadata = display;
  entity.tlsClientAuth = storedTlsClientAuth(metadata);
}

export function metadataOf(entity: ClientEntity): ClientMetadata {
  const display = entity.displayMetadata ?? {};
  return {
    client_name: entity.clientName,
    grant_types: entity.grantTypes,
    token_endpoint_auth_method: entity.tokenEndpointAuthMethod,
    scope: entity.scope,
    redirect_uris: entity.redirectUris,
    response_types: entity.responseTypes,
    jwks: entity.jwks,
    jwks_uri: entity.jwksUri,
    token_endpoint_auth_signing_alg: entity.tokenEndpointAuthSigningAlg,
    request_object_signing_alg: entity.requestObjectSigningAlg ?? null,
    request_uris: entity.requestUris ?? [],
    access_token_format: entity.accessTokenFormat as ClientMetadata['access_token_format'],
    audience: entity.audience,
    introspect_any: entity.introspectAny === true,
    super_admin: entity.superAdmin === true,
    security_profile: isProfileName(entity.securityProfile) ? entity.securityProfile : null,
    post_logout_redirect_uris: entity.postLogoutRedirectUris ?? [],
    application_type: entity.applicationType === 'native' ? 'native' : 'web',
    subject_type: entity.subjectType === 'pairwise' ? 'pairwise' : 'public',
    sector_identifier_uri: entity.sectorIdentifierUri,
    default_max_age: entity.defaultMaxAge,
    require_auth_time: entity.requireAuthTime === true,
    require_pushed_authorization_requests: entity.requirePushedAuthorizationRequests === true,
    dpop_bound_access_tokens: entity.dpopBoundAccessTokens === true,
    allowed_cors_origins: entity.allowedCorsOrigins ?? null,
    id_token_signed_response_alg: entity.idTokenSignedResponseAlg ?? null,
    id_token_encrypted_response_alg: entity.idTokenEncryptedResponseAlg ?? null,
    id_token_encrypted_response_enc: entity.idTokenEncryptedResponseEnc ?? null,
    userinfo_signed_response_alg: entity.userinfoSignedResponseAlg ?? null,
    userinfo_encrypted_response_alg: entity.userinfoEncryptedResponseAlg ?? null,
    userinfo_encrypted_response_enc: entity.userinfoEncryptedResponseEnc ?? null,
    authorization_signed_response_alg: entity.authorizationSignedResponseAlg ?? null,
    authorization_encrypted_response_alg: entity.authorizationEncryptedResponseAlg ?? null,
    authorization_encrypted_response_enc: entity.authorizationEncryptedResponseEnc ?? null,
    introspection_signed_response_alg: entity.introspectionSignedResponseAlg ?? null,
    introspection_encrypted_response_alg: entity.introspectionEncryptedResponseAlg ?? null,
    introspection_encrypted_response_enc: entity.introspectionEncryptedResponseEnc ?? null,
    client_uri: display.client_uri ?? null,
    logo_uri: display.logo_uri ?? null,
    policy_uri: display.policy_uri ?? null,
    tos_uri: display.tos_uri ?? null,
    contacts: display.contacts ?? [],
    software_id: display.software_id ?? null,
    software_version: display.software_version ?? null,
    localized: display.localized ?? {},
    ...tlsClientAuthOf(entity.tlsClientAuth),
  };
}

/** The wire document: language variants (`client_name#fr`) are fields of their own, as they were sent. */
export function documentOf(metadata: ClientMetadata): ClientDocument {
  const { localized, ...fields } = metadata;
  return { ...fields, ...localized };
}

export function toView(entity: ClientEntity, secret?: string): ClientView {
  return {
    client_id: entity.clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    ...documentOf(metadataOf(entity)),
    client_id_issued_at: entity.createdAt,
    updated_at: entity.updatedAt,
  };
}
