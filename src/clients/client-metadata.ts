import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { OAuthError } from '../common/oauth-error';
import { PROFILE_NAMES, type ProfileName } from '../config/config.schema';
import { checkClientEncryptionKeys } from '../keys/client-encryption-key';
import { jsonDepth, MAX_JSON_DEPTH } from '../common/json-depth';
import { corsOrigin, MAX_CORS_ORIGINS } from './cors-origins';
import { DEFAULT_ENCRYPTION_ENC, ENCRYPTION_ALGS, ENCRYPTION_ENCS, RESPONSE_SIGNING_ALGS } from './encryption-metadata';
import { isLoopbackHost } from './loopback-host';
import { sectorHost, sectorIdentifierNeeded } from './pairwise-sector';
import {
  checkTlsClientAuthSubject, parseTlsClientAuthFields, TLS_CLIENT_AUTH_DEFAULTS, TLS_CLIENT_AUTH_FIELD_SCHEMAS, type TlsClientAuthMetadata,
} from './tls-client-auth-metadata';

/** RFC 7591 §2 client metadata as grantry stores and shows it (RFC 8705's in TlsClientAuthMetadata). */
export interface ClientMetadata extends TlsClientAuthMetadata {
  client_name: string;
  grant_types: string[];
  token_endpoint_auth_method: string;
  scope: string;
  redirect_uris: string[];
  response_types: string[];
  jwks: { keys: object[] } | null;
  jwks_uri: string | null;
  token_endpoint_auth_signing_alg: string | null;
  /** RFC 9101 / OIDC Registration §2: the only alg its request objects may use (`none`: unsigned only); null: any allowed. */
  request_object_signing_alg: string | null;
  /** OIDC Registration §2: the https URLs its `request_uri` values may name. */
  request_uris: string[];
  access_token_format: 'jwt' | 'opaque' | null;
  audience: string[];
  /** Admin-only: may introspect any token of its tenant (a resource server's gateway, say). */
  introspect_any: boolean;
  /**
   * Admin-only, and only for a client of the default tenant: with the reserved `admin` scope, a
   * super-admin — it administers tenants and any tenant's admin API. Set by the CLI or by another
   * super-admin only (the admin API checks the caller; registration refuses it).
   */
  super_admin: boolean;
  /**
   * Admin-only: the security profile this client is held to, only ever stricter than its tenant's
   * (`[oauth.profile]`, a tenant's override); null: its tenant's. Registrants cannot set it.
   */
  security_profile: ProfileName | null;
  /** OIDC RP-Initiated Logout: where the end-session endpoint may send the browser back. */
  post_logout_redirect_uris: string[];
  /** OIDC Registration: `web` (https redirect URIs) or `native` (custom schemes, http loopback). */
  application_type: 'web' | 'native';
  /** OIDC Core §8: `public` (one `sub` per user) or `pairwise` (a `sub` per sector). */
  subject_type: 'public' | 'pairwise';
  sector_identifier_uri: string | null;
  /** Seconds after which the user must sign in again (a `max_age` for every request of this client). */
  default_max_age: number | null;
  /** Always put `auth_time` in ID tokens. */
  require_auth_time: boolean;
  /** RFC 9126 §6: this client's authorization requests must be pushed (POST /oauth2/par) first. */
  require_pushed_authorization_requests: boolean;
  /** RFC 9449 §5.2: this client always uses DPoP; a token request without a proof is refused. */
  dpop_bound_access_tokens: boolean;
  /**
   * Web origins whose browser code may call the token, revocation and userinfo endpoints (CORS);
   * null: the origins of the redirect URIs for a public client, none for a confidential one.
   */
  allowed_cors_origins: string[] | null;
  /** OIDC Registration §2: null means the server's `[oauth.token] signing_alg`. */
  id_token_signed_response_alg: string | null;
  /** JWE key management alg of ID tokens (see encryption-metadata.ts); null: not encrypted. */
  id_token_encrypted_response_alg: string | null;
  /** JWE content encryption of ID tokens; A128CBC-HS256 when only the alg is registered. */
  id_token_encrypted_response_enc: string | null;
  /** null: userinfo answers plain JSON (OIDC Core §5.3.2). */
  userinfo_signed_response_alg: string | null;
  userinfo_encrypted_response_alg: string | null;
  userinfo_encrypted_response_enc: string | null;
  /** JARM §3: the alg of its JWT authorization responses (response_mode *.jwt); null: `[oauth.token] signing_alg`. */
  authorization_signed_response_alg: string | null;
  authorization_encrypted_response_alg: string | null;
  authorization_encrypted_response_enc: string | null;
  /** RFC 9701 §6: the alg of its JWT introspection responses; null: `[oauth.token] signing_alg`. */
  introspection_signed_response_alg: string | null;
  introspection_encrypted_response_alg: string | null;
  introspection_encrypted_response_enc: string | null;
  /** RFC 7591 §2 human-facing metadata, shown on consent pages; language variants in `localized`. */
  client_uri: string | null;
  logo_uri: string | null;
  policy_uri: string | null;
  tos_uri: string | null;
  contacts: string[];
  software_id: string | null;
  software_version: string | null;
  /** RFC 7591 §2.2 language-tagged variants, keyed as sent: `client_name#ja-Jpan-JP` → value. */
  localized: Record<string, string>;
}

/** Response types the authorization endpoint serves (OAuth 2.0 Multiple Response Types, OIDC Core §3). */
export const RESPONSE_TYPES = ['code', 'token', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'none'];

/** `code id_token` and `id_token code` are one response type: compared as a set, kept in canonical order. */
export function canonicalResponseType(value: string): string | undefined {
  const parts = value.split(' ').filter(Boolean);
  if (new Set(parts).size !== parts.length) return undefined;
  return RESPONSE_TYPES.find((known) => {
    const canonical = known.split(' ');
    return canonical.length === parts.length && canonical.every((part) => parts.includes(part));
  });
}

/** Methods that authenticate with a shared secret, so a secret is generated for them. */
export const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);
/**
 * RFC 9101 / OIDC Core §6.1: request objects are signed with the client's public keys, with its
 * secret (HS*, OIDC Core §10.1: only a client that has one), or unsigned (`none`).
 */
export const REQUEST_OBJECT_SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512', 'none'];

/** Whether the client's secret must be kept recoverable (sealed): it checks HMACs with it — client_secret_jwt, or HS* request objects. */
export function needsSealedSecret(metadata: { token_endpoint_auth_method: string; request_object_signing_alg: string | null }): boolean {
  if (metadata.token_endpoint_auth_method === 'client_secret_jwt') return true;
  return SECRET_METHODS.has(metadata.token_endpoint_auth_method) && /^HS\d+$/.test(metadata.request_object_signing_alg ?? '');
}
const MAX_REQUEST_URIS = 20;
export const JWT_AUTH_SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512'];

const DEFAULTS: ClientMetadata = {
  client_name: '',
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_basic', // RFC 7591 §2 default
  scope: '',
  redirect_uris: [],
  response_types: [],
  jwks: null,
  jwks_uri: null,
  token_endpoint_auth_signing_alg: null,
  request_object_signing_alg: null,
  request_uris: [],
  access_token_format: null,
  audience: [],
  introspect_any: false,
  super_admin: false,
  security_profile: null,
  post_logout_redirect_uris: [],
  application_type: 'web',
  subject_type: 'public',
  sector_identifier_uri: null,
  default_max_age: null,
  require_auth_time: false,
  require_pushed_authorization_requests: false,
  dpop_bound_access_tokens: false,
  allowed_cors_origins: null,
  id_token_signed_response_alg: null,
  id_token_encrypted_response_alg: null,
  id_token_encrypted_response_enc: null,
  userinfo_signed_response_alg: null,
  userinfo_encrypted_response_alg: null,
  userinfo_encrypted_response_enc: null,
  authorization_signed_response_alg: null,
  authorization_encrypted_response_alg: null,
  authorization_encrypted_response_enc: null,
  introspection_signed_response_alg: null,
  introspection_encrypted_response_alg: null,
  introspection_encrypted_response_enc: null,
  client_uri: null,
  logo_uri: null,
  policy_uri: null,
  tos_uri: null,
  contacts: [],
  software_id: null,
  software_version: null,
  localized: {},
  ...TLS_CLIENT_AUTH_DEFAULTS,
};

/** A field's JSON Schema (2020-12, as OpenAPI 3.1 uses it). */
export type FieldSchema = Readonly<Record<string, unknown>>;

const stringArray = { type: 'array', items: { type: 'string' } };
const nullableEnum = (values: readonly string[]) => ({ type: ['string', 'null'], enum: [...values, null] });
const nullableUri = { type: ['string', 'null'], format: 'uri' };

/**
 * Every field the parser takes, with its JSON Schema: the set of known fields here *is* the
 * parser's, and the admin API's OpenAPI document shows these schemas (test/admin-openapi-agreement
 * checks that the parser honours each type and enum).
 */
export const CLIENT_METADATA_FIELDS: Readonly<Record<Exclude<keyof ClientMetadata, 'localized'>, FieldSchema>> = {
  client_name: { type: 'string', maxLength: 255, description: 'required by the admin API and CLI; optional for registration' },
  grant_types: { ...stringArray, default: ['client_credentials'], description: 'default client_credentials (admin API, CLI) or authorization_code (registration, RFC 7591)' },
  token_endpoint_auth_method: { type: 'string', default: 'client_secret_basic', description: 'one of the methods enabled on this server (see token_endpoint_auth_methods_supported)' },
  scope: { type: 'string', description: 'space-separated; also the default scope of a request without one' },
  redirect_uris: stringArray,
  response_types: { type: 'array', items: { type: 'string', enum: RESPONSE_TYPES } },
  jwks: { type: ['object', 'null'], properties: { keys: { type: 'array', items: { type: 'object' } } } },
  jwks_uri: nullableUri,
  token_endpoint_auth_signing_alg: nullableEnum(JWT_AUTH_SIGNING_ALGS),
  request_object_signing_alg: { ...nullableEnum(REQUEST_OBJECT_SIGNING_ALGS), description: 'the only alg its request objects may use; none: unsigned only (where the security profile allows them); null: any the server and profile allow' },
  request_uris: { ...stringArray, maxItems: MAX_REQUEST_URIS, description: 'https URLs its request_uri values may name (exact match, fragment ignored); [oauth.request_object] require_request_uri_registration' },
  access_token_format: { ...nullableEnum(['jwt', 'opaque']), description: 'admin-only' },
  audience: { ...stringArray, description: 'admin-only' },
  introspect_any: { type: 'boolean', default: false, description: 'admin-only: may introspect every token of its tenant' },
  super_admin: { type: 'boolean', default: false, description: 'admin-only, default tenant only: with scope admin, administers tenants and every tenant; set by the CLI or a super-admin\'s token only' },
  security_profile: { ...nullableEnum(PROFILE_NAMES), description: 'admin-only: the security profile it is held to, at least as strict as its tenant\'s ([oauth.profile]); null: its tenant\'s' },
  post_logout_redirect_uris: { ...stringArray, description: 'where RP-initiated logout may return (exact match)' },
  application_type: { type: 'string', enum: ['web', 'native'], default: 'web' },
  subject_type: { type: 'string', enum: ['public', 'pairwise'], default: 'public' },
  sector_identifier_uri: { ...nullableUri, description: 'https; must list every redirect URI; required of a pairwise client whose redirect URIs have several hosts, a private-use scheme (no host) or a loopback host' },
  default_max_age: { type: ['integer', 'null'], minimum: 0 },
  require_auth_time: { type: 'boolean', default: false },
  require_pushed_authorization_requests: { type: 'boolean', default: false, description: 'RFC 9126 §6: only pushed authorization requests (POST /oauth2/par) from this client' },
  dpop_bound_access_tokens: { type: 'boolean', default: false, description: 'RFC 9449 §5.2: every token request of this client must carry a DPoP proof' },
  allowed_cors_origins: {
    type: ['array', 'null'],
    items: { type: 'string' },
    maxItems: MAX_CORS_ORIGINS,
    default: null,
    description: 'origins (scheme://host[:port]: https, or http on a loopback host; no path, no wildcard) whose browser code may call the token, revocation and userinfo endpoints; [] none; null: the redirect URIs\' origins for a public client (token_endpoint_auth_method none), none for a confidential one',
  },
  id_token_signed_response_alg: { ...nullableEnum(RESPONSE_SIGNING_ALGS), description: 'null: [oauth.token] signing_alg' },
  id_token_encrypted_response_alg: { ...nullableEnum(ENCRYPTION_ALGS), description: 'needs jwks or jwks_uri' },
  id_token_encrypted_response_enc: { ...nullableEnum(ENCRYPTION_ENCS), description: `needs the alg; default ${DEFAULT_ENCRYPTION_ENC} when only the alg is given` },
  userinfo_signed_response_alg: { ...nullableEnum(RESPONSE_SIGNING_ALGS), description: 'null: userinfo answers plain JSON' },
  userinfo_encrypted_response_alg: { ...nullableEnum(ENCRYPTION_ALGS), description: 'needs jwks or jwks_uri' },
  userinfo_encrypted_response_enc: { ...nullableEnum(ENCRYPTION_ENCS), description: `needs the alg; default ${DEFAULT_ENCRYPTION_ENC} when only the alg is given` },
  authorization_signed_response_alg: { ...nullableEnum(RESPONSE_SIGNING_ALGS), description: 'JARM: the alg of JWT authorization responses (response_mode jwt, query.jwt, fragment.jwt, form_post.jwt); null: [oauth.token] signing_alg' },
  authorization_encrypted_response_alg: { ...nullableEnum(ENCRYPTION_ALGS), description: 'JARM: encrypt JWT authorization responses; needs jwks or jwks_uri' },
  authorization_encrypted_response_enc: { ...nullableEnum(ENCRYPTION_ENCS), description: `needs the alg; default ${DEFAULT_ENCRYPTION_ENC} when only the alg is given` },
  introspection_signed_response_alg: { ...nullableEnum(RESPONSE_SIGNING_ALGS), description: 'RFC 9701: the alg of JWT introspection responses (Accept: application/token-introspection+jwt); null: [oauth.token] signing_alg' },
  introspection_encrypted_response_alg: { ...nullableEnum(ENCRYPTION_ALGS), description: 'RFC 9701: encrypt JWT introspection responses; needs jwks or jwks_uri' },
  introspection_encrypted_response_enc: { ...nullableEnum(ENCRYPTION_ENCS), description: `needs the alg; default ${DEFAULT_ENCRYPTION_ENC} when only the alg is given` },
  client_uri: nullableUri,
  logo_uri: nullableUri,
  policy_uri: nullableUri,
  tos_uri: nullableUri,
  contacts: stringArray,
  software_id: { type: ['string', 'null'], maxLength: 255 },
  software_version: { type: ['string', 'null'], maxLength: 255 },
  ...TLS_CLIENT_AUTH_FIELD_SCHEMAS,
};

/** RFC 7591 §2.2 language-tagged variants (`client_name#ja-Jpan-JP`): BCP 47 tags in their common shape, at most 35 characters (RFC 5646 §4.4.1). */
export const LANGUAGE_TAGGED_FIELD = /^(client_name|client_uri|logo_uri|policy_uri|tos_uri)#(?=[A-Za-z0-9-]{1,35}$)[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/** Caps on what one registration may hold. */
const MAX_URI_LENGTH = 2048;
const MAX_REDIRECT_URIS = 100;
const MAX_CONTACTS = 20;
const MAX_JWKS_KEYS = 20;
/** C0 control characters and DEL. */
const CONTROL = /[\x00-\x1F\x7F]/;

const KNOWN = new Set(Object.keys(CLIENT_METADATA_FIELDS));
/**
 * Generated by the server (RFC 7591 §3.2.1, RFC 7592 §2.2): the admin API refuses them; at
 * registration a registrant's (or a statement's) values are dropped, never used, as RFC 7591
 * lets a server replace requested values.
 */
export const SERVER_GENERATED_FIELDS: ReadonlySet<string> = new Set(['client_id', 'client_secret', 'client_id_issued_at', 'client_secret_expires_at', 'registration_access_token', 'registration_client_uri']);
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The field that makes a client of the default tenant a super-admin (with `admin`). Beyond being
 * admin-only, the admin API lets only a super-admin's token set it (clients.admin.controller.ts).
 */
export const SUPER_ADMIN_FIELD = 'super_admin';

/** Fields only an operator sets (admin API, CLI): a registrant asking for one is refused. */
export const ADMIN_ONLY_FIELDS = ['audience', 'access_token_format', 'introspect_any', SUPER_ADMIN_FIELD, 'security_profile'] as const;

/**
 * Who is asking: the admin API and CLI (`admin`, grantry's defaults: client_credentials, a
 * client_name), or a registrant (RFC 7591: authorization_code by default, no name needed, no
 * admin-only field).
 */
export type MetadataProfile = 'admin' | 'registration';

/**
 * Validates a create (no `base`) or a partial update (over `base`) and returns whole metadata.
 * Every problem is an `invalid_client_metadata` (or `invalid_redirect_uri`) naming the field.
 * `previous`: the stored metadata the result replaces (`base`, or the client an RFC 7592 PUT replaces).
 */
export function parseClientMetadata(input: unknown, base?: ClientMetadata, profile: MetadataProfile = 'admin', previous: ClientMetadata | undefined = base): ClientMetadata {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw OAuthError.invalidClientMetadata('the request body must be a JSON object');
  }
  checkShape(input);
  // A null-prototype copy: a field is read only where it was sent, never through a prototype.
  const body = Object.assign(Object.create(null) as Record<string, unknown>, input);
  const tagged: [string, unknown][] = [];
  for (const field of Object.keys(body)) {
    if (profile === 'registration' && (ADMIN_ONLY_FIELDS as readonly string[]).includes(field)) {
      throw OAuthError.invalidClientMetadata(`${field} is set by the server's operator, not by registration`);
    }
    if (SERVER_GENERATED_FIELDS.has(field)) {
      if (profile === 'admin') throw OAuthError.invalidClientMetadata(`${field} is generated by the server and cannot be set`);
      delete body[field];
    } else if (isLanguageTagged(field)) tagged.push([field, body[field]]);
    else if (KNOWN.has(field)) continue;
    // RFC 7591 §2: a registrant's unknown metadata is ignored (neither stored nor returned); the admin API stays strict.
    else if (profile === 'registration') delete body[field];
    else throw OAuthError.invalidClientMetadata(`unknown field ${field}`);
  }
  const has = (field: string) => Object.hasOwn(body, field) && body[field] !== undefined;
  // RFC 7591 §2: a registrant that names no grant type gets authorization_code.
  const defaults = profile === 'registration' ? { ...DEFAULTS, grant_types: ['authorization_code'] } : DEFAULTS;
  const out: ClientMetadata = { ...(base ?? defaults) };
  out.localized = { ...out.localized };

  if (has('client_name')) out.client_name = text(body.client_name, 'client_name', 255);
  else if (!base && profile === 'admin') throw OAuthError.invalidClientMetadata('client_name is required');
  if (has('grant_types')) out.grant_types = unique(strings(body.grant_types, 'grant_types'), 'grant_types');
  if (has('token_endpoint_auth_method')) out.token_endpoint_auth_method = text(body.token_endpoint_auth_method, 'token_endpoint_auth_method', 64);
  if (has('scope')) out.scope = scope(body.scope);
  if (has('application_type')) out.application_type = oneOf('application_type', ['web', 'native'])(body.application_type) as ClientMetadata['application_type'];
  if (has('redirect_uris')) out.redirect_uris = unique(strings(body.redirect_uris, 'redirect_uris', MAX_REDIRECT_URIS), 'redirect_uris');
  if (has('post_logout_redirect_uris')) out.post_logout_redirect_uris = unique(strings(body.post_logout_redirect_uris, 'post_logout_redirect_uris', MAX_REDIRECT_URIS), 'post_logout_redirect_uris');
  if (has('response_types')) out.response_types = unique(strings(body.response_types, 'response_types').map(responseType), 'response_types');
  else if (!base && out.grant_types.includes('authorization_code')) out.response_types = ['code']; // RFC 7591 §2 default
  if (has('subject_type')) out.subject_type = oneOf('subject_type', ['public', 'pairwise'])(body.subject_type) as ClientMetadata['subject_type'];
  if (has('sector_identifier_uri')) out.sector_identifier_uri = nullable(body.sector_identifier_uri, sectorIdentifierUri);
  if (has('default_max_age')) out.default_max_age = nullable(body.default_max_age, maxAge);
  if (has('require_auth_time')) {
    if (typeof body.require_auth_time !== 'boolean') throw OAuthError.invalidClientMetadata('require_auth_time must be true or false');
    out.require_auth_time = body.require_auth_time;
  }
  if (has('require_pushed_authorization_requests')) {
    if (typeof body.require_pushed_authorization_requests !== 'boolean') throw OAuthError.invalidClientMetadata('require_pushed_authorization_requests must be true or false');
    out.require_pushed_authorization_requests = body.require_pushed_authorization_requests;
  }
  if (has('dpop_bound_access_tokens')) {
    if (typeof body.dpop_bound_access_tokens !== 'boolean') throw OAuthError.invalidClientMetadata('dpop_bound_access_tokens must be true or false');
    out.dpop_bound_access_tokens = body.dpop_bound_access_tokens;
  }
  if (has('allowed_cors_origins')) out.allowed_cors_origins = nullable(body.allowed_cors_origins, (v) => unique(strings(v, 'allowed_cors_origins', MAX_CORS_ORIGINS).map((origin) => corsOrigin(origin)), 'allowed_cors_origins'));
  // RFC 7591 §2: jwks_uri and jwks MUST NOT both be present (said before either is judged).
  if (has('jwks') && has('jwks_uri') && body.jwks !== null && body.jwks_uri !== null) throw OAuthError.invalidClientMetadata('jwks and jwks_uri cannot both be set');
  if (has('jwks')) out.jwks = nullable(body.jwks, jwks);
  if (has('jwks_uri')) out.jwks_uri = nullable(body.jwks_uri, (v) => httpUrl(v, 'jwks_uri'));
  if (has('token_endpoint_auth_signing_alg')) out.token_endpoint_auth_signing_alg = nullable(body.token_endpoint_auth_signing_alg, oneOf('token_endpoint_auth_signing_alg', JWT_AUTH_SIGNING_ALGS));
  if (has('request_object_signing_alg')) out.request_object_signing_alg = nullable(body.request_object_signing_alg, oneOf('request_object_signing_alg', REQUEST_OBJECT_SIGNING_ALGS));
  if (has('request_uris')) out.request_uris = unique(strings(body.request_uris, 'request_uris', MAX_REQUEST_URIS), 'request_uris').map(requestUri);
  if (has('access_token_format')) out.access_token_format = nullable(body.access_token_format, oneOf('access_token_format', ['jwt', 'opaque'])) as ClientMetadata['access_token_format'];
  if (has('audience')) out.audience = unique(strings(body.audience, 'audience'), 'audience');
  if (has('introspect_any')) {
    if (typeof body.introspect_any !== 'boolean') throw OAuthError.invalidClientMetadata('introspect_any must be true or false');
    out.introspect_any = body.introspect_any;
  }
  if (has('super_admin')) {
    if (typeof body.super_admin !== 'boolean') throw OAuthError.invalidClientMetadata('super_admin must be true or false');
    out.super_admin = body.super_admin;
  }
  if (has('security_profile')) out.security_profile = nullable(body.security_profile, oneOf('security_profile', [...PROFILE_NAMES])) as ProfileName | null;
  if (has('id_token_signed_response_alg')) out.id_token_signed_response_alg = nullable(body.id_token_signed_response_alg, oneOf('id_token_signed_response_alg', [...RESPONSE_SIGNING_ALGS]));
  if (has('userinfo_signed_response_alg')) out.userinfo_signed_response_alg = nullable(body.userinfo_signed_response_alg, oneOf('userinfo_signed_response_alg', [...RESPONSE_SIGNING_ALGS]));
  for (const prefix of ['authorization', 'introspection'] as const) {
    const field = `${prefix}_signed_response_alg` as const;
    if (has(field)) out[field] = nullable(body[field], oneOf(field, [...RESPONSE_SIGNING_ALGS]));
  }
  for (const prefix of ENCRYPTED_RESPONSES) encryption(body, out, prefix, has);
  for (const field of ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri'] as const) {
    if (has(field)) out[field] = nullable(body[field], (v) => webUrl(v, field));
  }
  if (has('contacts')) out.contacts = unique(strings(body.contacts, 'contacts', MAX_CONTACTS), 'contacts').map((contact) => text(contact, 'contacts', 255));
  if (has('software_id')) out.software_id = nullable(body.software_id, (v) => text(v, 'software_id', 255));
  if (has('software_version')) out.software_version = nullable(body.software_version, (v) => text(v, 'software_version', 255));
  parseTlsClientAuthFields(body, out, has);
  for (const [field, value] of tagged) {
    // null removes a variant, as it does a plain field.
    if (value === null) delete out.localized[field];
    else out.localized[field] = field.startsWith('client_name#') ? text(value, field, 255) : webUrl(value, field);
  }

  // RFC 7591 §2: jwks_uri and jwks MUST NOT both be present.
  if (out.jwks && out.jwks_uri) throw OAuthError.invalidClientMetadata('jwks and jwks_uri cannot both be set');
  for (const uri of out.redirect_uris) redirectUri(uri, out.application_type, 'redirect_uris');
  for (const uri of out.post_logout_redirect_uris) redirectUri(uri, out.application_type, 'post_logout_redirect_uris');
  checkResponseTypes(out);
  // OIDC Core §10.1: an HMAC request object is keyed with the client secret, which only client_secret_* clients have.
  if (/^HS\d+$/.test(out.request_object_signing_alg ?? '') && !SECRET_METHODS.has(out.token_endpoint_auth_method)) {
    throw OAuthError.invalidClientMetadata(`request_object_signing_alg ${out.request_object_signing_alg} needs a client secret (token_endpoint_auth_method client_secret_basic, client_secret_post or client_secret_jwt)`);
  }
  // OIDC Registration §2: the client's encryption keys come from its jwks or jwks_uri.
  if (ENCRYPTED_RESPONSES.some((prefix) => out[`${prefix}_encrypted_response_alg`]) && !out.jwks && !out.jwks_uri) {
    throw OAuthError.invalidClientMetadata('an *_encrypted_response_alg needs the client\'s encryption keys in jwks or jwks_uri');
  }
  checkClientEncryptionKeys(out); // an inline jwks must hold a key the registered alg can use
  checkTlsClientAuthSubject(out);
  // RFC 8705 §2.2: a self-signed certificate is matched against the client's registered keys.
  if (out.token_endpoint_auth_method === 'self_signed_tls_client_auth' && !out.jwks && !out.jwks_uri) {
    throw OAuthError.invalidClientMetadata('self_signed_tls_client_auth needs the client\'s certificate keys in jwks or jwks_uri');
  }
  checkPairwiseSector(out, previous);
  return out;
}

/**
 * OIDC Core §8.1: a pairwise client whose redirect URIs name no sector of its own registers a
 * sector identifier URI. A client stored before this rule (`previous`: the metadata an update or
 * RFC 7592 PUT replaces) keeps the sector it has — changing it would change every `sub` its users
 * have — as long as the update leaves that sector as it is; start-up and `config check` list such clients.
 */
function checkPairwiseSector(out: ClientMetadata, previous: ClientMetadata | undefined): void {
  const needed = sectorIdentifierNeeded(out);
  if (!needed) return;
  const kept = previous !== undefined && sectorIdentifierNeeded(previous) !== undefined && sectorHost(previous.sector_identifier_uri, previous.redirect_uris) === sectorHost(out.sector_identifier_uri, out.redirect_uris);
  if (!kept) throw OAuthError.invalidClientMetadata(needed);
}

/**
 * OIDC Registration §2: `*_encrypted_response_enc` needs its `_alg`; an `_alg` alone means
 * A128CBC-HS256. Clearing the alg (null) clears the enc with it unless the enc is given too.
 */
/** The responses a client may have encrypted to it (OIDC Registration §2, JARM §3, RFC 9701 §6). */
const ENCRYPTED_RESPONSES = ['id_token', 'userinfo', 'authorization', 'introspection'] as const;

function encryption(body: Record<string, unknown>, out: ClientMetadata, prefix: (typeof ENCRYPTED_RESPONSES)[number], has: (field: string) => boolean): void {
  const algField = `${prefix}_encrypted_response_alg` as const;
  const encField = `${prefix}_encrypted_response_enc` as const;
  if (has(algField)) {
    out[algField] = nullable(body[algField], oneOf(algField, [...ENCRYPTION_ALGS]));
    if (body[algField] === null && !has(encField)) out[encField] = null;
  }
  if (has(encField)) out[encField] = nullable(body[encField], oneOf(encField, [...ENCRYPTION_ENCS]));
  if (out[encField] && !out[algField]) throw OAuthError.invalidClientMetadata(`${encField} needs ${algField}`);
  if (out[algField] && !out[encField]) out[encField] = DEFAULT_ENCRYPTION_ENC;
}

/** Keys that reach an object's prototype when merged or assigned: never metadata, at any depth. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses a document nested deeper than any client metadata needs (a deep value would overflow
 * the stack of JSON.stringify later: 500) and prototype-reaching keys anywhere in it. Walked
 * without recursion.
 */
export function checkShape(value: unknown): void {
  if (jsonDepth(value) > MAX_JSON_DEPTH) throw OAuthError.invalidClientMetadata(`the metadata is nested deeper than ${MAX_JSON_DEPTH} levels`);
  const stack: unknown[] = [value];
  while (stack.length) {
    const current = stack.pop();
    if (!current || typeof current !== 'object') continue;
    for (const key of Object.keys(current)) {
      if (PROTOTYPE_KEYS.has(key)) throw OAuthError.invalidClientMetadata(`the metadata must not contain the key ${key}`);
      stack.push((current as Record<string, unknown>)[key]);
    }
  }
}

/** `client_name#ja-Jpan-JP` and the like (RFC 7591 §2.2). */
function isLanguageTagged(field: string): boolean {
  return LANGUAGE_TAGGED_FIELD.test(field);
}

/** Pages a user's browser opens: http(s) only, never a script or data URL. */
function webUrl(value: unknown, field: string): string {
  return httpUrl(value, field);
}

/**
 * Every URI field: at most 2048 printable ASCII characters (no whitespace, control characters,
 * backslash or non-ASCII/IDN form), and already in the WHATWG URL parser's canonical form, so
 * what is stored is exactly what is later compared and sent in a Location header.
 */
function canonicalUri(value: unknown, field: string, code: 'invalid_client_metadata' | 'invalid_redirect_uri' = 'invalid_client_metadata'): URL {
  const invalid = (why: string) => new OAuthError(code, `${field}: ${why}`);
  if (typeof value !== 'string') throw invalid('must be a string');
  if (value.length > MAX_URI_LENGTH) throw invalid(`longer than ${MAX_URI_LENGTH} characters`);
  if (!/^[\x21-\x5B\x5D-\x7E]+$/.test(value)) throw invalid(`must be printable ASCII without spaces or backslashes: ${JSON.stringify(value)}`);
  if (!URL.canParse(value)) throw invalid(`not an absolute URI: ${value}`);
  const url = new URL(value);
  if (url.href !== value) throw invalid(`not in canonical form (${url.href}): ${value}`);
  return url;
}

/**
 * OIDC Registration §2: what `response_types` need in `grant_types` — `code` the
 * authorization_code grant, `token` and `id_token` the implicit grant.
 */
function checkResponseTypes(metadata: ClientMetadata): void {
  const parts = new Set(metadata.response_types.flatMap((type) => type.split(' ')));
  if (parts.has('code') && !metadata.grant_types.includes('authorization_code')) {
    throw OAuthError.invalidClientMetadata('response_types with code need authorization_code in grant_types');
  }
  if ((parts.has('token') || parts.has('id_token')) && !metadata.grant_types.includes('implicit')) {
    throw OAuthError.invalidClientMetadata('response_types with token or id_token need implicit in grant_types');
  }
  if (metadata.response_types.length && !metadata.redirect_uris.length) {
    throw OAuthError.invalidClientMetadata('a client with response_types needs redirect_uris');
  }
}

function responseType(value: string): string {
  const canonical = canonicalResponseType(value);
  if (!canonical) throw OAuthError.invalidClientMetadata(`response_types: unsupported response type ${JSON.stringify(value)} (supported: ${RESPONSE_TYPES.join(', ')})`);
  return canonical;
}

/** OIDC Registration §2 `request_uris`: https only (the client serves its request objects to grantry); a fragment is allowed and ignored when matching. */
function requestUri(value: string): string {
  const url = canonicalUri(value, 'request_uris');
  if (url.protocol !== 'https:') throw OAuthError.invalidClientMetadata(`request_uris must be https URLs: ${value}`);
  if (url.username || url.password) throw OAuthError.invalidClientMetadata(`request_uris must not contain user information: ${value}`);
  return value;
}

function sectorIdentifierUri(value: unknown): string {
  if (canonicalUri(value, 'sector_identifier_uri').protocol !== 'https:') throw OAuthError.invalidClientMetadata('sector_identifier_uri must be an https URL');
  return value as string;
}

function maxAge(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw OAuthError.invalidClientMetadata('default_max_age must be a whole number of seconds');
  return value;
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || !value.trim() || value.length > max) {
    throw OAuthError.invalidClientMetadata(`${field} must be a non-empty string of at most ${max} characters`);
  }
  // NUL and other control characters: PostgreSQL refuses NUL in text (a 500), and none belongs in a name or an address.
  if (CONTROL.test(value)) throw OAuthError.invalidClientMetadata(`${field} must not contain control characters`);
  return value.trim();
}

function strings(value: unknown, field: string, max = 100): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || !item)) {
    throw OAuthError.invalidClientMetadata(`${field} must be an array of non-empty strings`);
  }
  if (value.length > max) throw OAuthError.invalidClientMetadata(`${field} has more than ${max} entries`);
  return value as string[];
}

function unique(values: string[], field: string): string[] {
  if (new Set(values).size !== values.length) throw OAuthError.invalidClientMetadata(`${field} has duplicates`);
  return values;
}

function scope(value: unknown): string {
  if (typeof value !== 'string') throw OAuthError.invalidClientMetadata('scope must be a space-separated string');
  const tokens = value.split(' ').filter(Boolean);
  const bad = tokens.find((token) => !SCOPE_TOKEN.test(token));
  if (bad !== undefined) throw OAuthError.invalidClientMetadata(`scope has an invalid scope token: ${JSON.stringify(bad)}`);
  return [...new Set(tokens)].join(' ');
}

/** Schemes a browser would run or read instead of navigating to: never a redirect target. */
const DANGEROUS_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/**
 * RFC 6749 §3.1.2: an absolute URI without a fragment. OIDC Registration §2: a web client's
 * URIs are https (http only on loopback, for development); a native client uses a private-use
 * scheme (RFC 8252 §7.1), an http loopback address (§7.3) or https (§7.2).
 */
function redirectUri(value: string, applicationType: ClientMetadata['application_type'], field: string): string {
  const code = field === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata';
  const invalid = (why: string) => new OAuthError(code, `${field}: ${why}: ${value}`);
  const url = canonicalUri(value, field, code);
  if (url.hash || value.includes('#')) throw invalid('must not contain a fragment');
  if (DANGEROUS_SCHEMES.has(url.protocol)) throw invalid(`the ${url.protocol} scheme is not allowed`);
  if (url.username || url.password) throw invalid('must not contain user information');
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:' && !loopback) throw invalid('http is allowed only for loopback addresses; use https');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    if (applicationType === 'web') throw invalid('a web client uses https (application_type native allows private-use schemes)');
    // RFC 8252 §7.1: a private-use scheme is a reverse domain name (com.example.app), never ws:, ftp: or view-source:.
    if (!url.protocol.slice(0, -1).includes('.')) throw invalid('a private-use scheme must be a reverse domain name such as com.example.app');
  }
  return value;
}

/** An http(s) URL in canonical form; whether http or the host may be fetched is the outbound rules' call. */
function httpUrl(value: unknown, field: string): string {
  if (!/^https?:$/.test(canonicalUri(value, field).protocol)) throw OAuthError.invalidClientMetadata(`${field} must be an http(s) URL`);
  return value as string;
}

/** The members of a public JWK, per kty (RFC 7518 §6, RFC 8037 §2) and for all (RFC 7517 §4). */
const PUBLIC_JWK_MEMBERS: Record<string, string[]> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };
const COMMON_JWK_MEMBERS = ['kty', 'kid', 'use', 'alg', 'key_ops', 'x5c', 'x5t', 'x5t#S256'];

function jwks(value: unknown): { keys: object[] } {
  const keys = value && typeof value === 'object' && Object.hasOwn(value, 'keys') ? (value as { keys: unknown }).keys : undefined;
  if (!Array.isArray(keys) || !keys.length || keys.some((key) => !key || typeof key !== 'object' || Array.isArray(key) || typeof key.kty !== 'string')) {
    throw OAuthError.invalidClientMetadata('jwks must be a JWK Set: {"keys": [ {"kty": ...}, ... ]}');
  }
  if (keys.length > MAX_JWKS_KEYS) throw OAuthError.invalidClientMetadata(`jwks holds more than ${MAX_JWKS_KEYS} keys`);
  for (const [index, key] of (keys as Record<string, unknown>[]).entries()) {
    const members = PUBLIC_JWK_MEMBERS[key.kty as string];
    if (!members) throw OAuthError.invalidClientMetadata(`jwks key ${index}: unsupported kty ${JSON.stringify(key.kty)} (RSA, EC or OKP)`);
    // Only public members: a private (d, p, q, dp, dq, qi, oth) or symmetric (k) member, or one unknown, is refused.
    const extra = Object.keys(key).filter((member) => !members.includes(member) && !COMMON_JWK_MEMBERS.includes(member));
    if (extra.length) throw OAuthError.invalidClientMetadata(`jwks must hold public keys only: key ${index} has ${extra.join(', ')}`);
    try {
      const { kty, n, e, crv, x, y } = key;
      createPublicKey({ key: { kty, n, e, crv, x, y } as JsonWebKey, format: 'jwk' });
    } catch {
      throw OAuthError.invalidClientMetadata(`jwks key ${index} is not a valid ${key.kty} public key`);
    }
  }
  return { keys };
}

function oneOf(field: string, allowed: string[]): (value: unknown) => string {
  return (value) => {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      throw OAuthError.invalidClientMetadata(`${field} must be one of ${allowed.join(', ')}`);
    }
    return value;
  };
}

function nullable<T>(value: unknown, parse: (value: unknown) => T): T | null {
  return value === null ? null : parse(value);
}
