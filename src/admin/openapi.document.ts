import { AUDIT_EVENTS } from '../audit/audit-event';
import { CLIENT_METADATA_FIELDS, LANGUAGE_TAGGED_FIELD } from '../clients/client-metadata';
import { SIGNING_ALGS } from '../config/config.schema';
import { IDENTITY_PROVIDER_FIELDS } from '../identity-providers/identity-provider-input';
import { KEY_ENCRYPTION_ALGS } from '../keys/encryption-key-material';
import { DEFAULT_INITIAL_ACCESS_TOKEN_SECONDS } from '../oauth/registration/initial-access-tokens';
import { TENANT_FIELDS } from '../tenants/tenant-input';
import { USER_FIELDS } from '../users/user-input';

/**
 * OpenAPI 3.1 description of /api/admin/v1, kept next to the controllers it describes. Request
 * schemas are the validators' field tables; test/admin-openapi-agreement checks that every route
 * the admin controllers register is here and that the validators honour these schemas.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const page = (item: string) => ({
  type: 'object',
  required: ['items', 'total'],
  properties: { items: { type: 'array', items: ref(item) }, total: { type: 'integer' } },
});
const errors = {
  '400': { description: 'invalid input', ...json(ref('Error')) },
  '401': { description: 'missing, malformed or inactive bearer token', ...json(ref('Error')) },
  '403': { description: 'token lacks the admin scope (tenants: not a super-admin)', ...json(ref('Error')) },
  '413': { description: 'request body too large', ...json(ref('Error')) },
};
const notFound = { '404': { description: 'no such record', ...json(ref('Error')) } };
const paging = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
];
/** When: epoch seconds, ISO 8601 with a zone, or a span back from now. */
const time = (description: string) => ({
  type: 'string',
  description: `${description}: epoch seconds (1767225600), an ISO 8601 date or time with a zone (2026-12-01, 2026-12-01T10:00:00Z), or a span back from now (30m, 24h, 7d)`,
});
const auditFilters = [
  { name: 'actor', in: 'query', schema: { type: 'string', description: 'who changed: client:<client_id> (admin API, RFC 7592), operator:<OS user> (CLI), registrant (RFC 7591)' } },
  { name: 'event', in: 'query', schema: { type: 'string', enum: [...AUDIT_EVENTS] } },
  { name: 'client_id', in: 'query', schema: { type: 'string', description: 'the client the change concerns' } },
  { name: 'tenant', in: 'query', schema: { type: 'string', description: 'the tenant of the request (another tenant\'s events are never listed)' } },
  { name: 'since', in: 'query', schema: time('events at or after') },
  { name: 'until', in: 'query', schema: time('events before') },
];
const pathId = (name: string) => [{ name, in: 'path', required: true, schema: { type: 'string' } }];
/** RFC 9110 §8.8.3: the strong entity tag of the stored version the answer shows (or a change wrote). */
const etag = { ETag: { description: 'strong entity tag of the record\'s stored version, for If-Match', schema: { type: 'string' } } };
/** RFC 9110 §13.1.1: the change is made only over the version named (strong comparison; `*`: any). */
const ifMatch = [
  {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'an ETag from GET (or *): change only that version, else 412; without it a concurrent change of other fields is kept',
    schema: { type: 'string' },
  },
];
const preconditionFailed = { '412': { description: 'If-Match does not match the record\'s current ETag; nothing was changed', ...json(ref('Error')) } };
/** A 200 with the record and its ETag. */
const tagged = (description: string, schema: string) => ({ '200': { description, headers: etag, ...json(ref(schema)) } });
const strings = { type: 'array', items: { type: 'string' } };

// The validators' own field tables: the document shows exactly what they parse (one source).
const clientMetadata = CLIENT_METADATA_FIELDS;
/** RFC 7591 §2.2: `client_name#ja-Jpan-JP` and the other language-tagged variants. */
const languageTagged = { [LANGUAGE_TAGGED_FIELD.source]: { type: 'string' } };
const identityProviderFields = IDENTITY_PROVIDER_FIELDS;
const { password, locked_until, ...userFields } = USER_FIELDS;
const userInput = { ...userFields, password };
const tenantFields = TENANT_FIELDS;

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'grantry admin API', version: '1' },
  servers: [
    { url: '/api/admin/v1', description: 'the default tenant (carbon.super); a super-admin token administers any tenant here with ?tenantDomain={tenant}' },
    {
      url: '/t/{tenant}/api/admin/v1',
      description: "a tenant's admin API: tokens of its own admin clients (from /t/{tenant}/oauth2/token) or of a super-admin",
      variables: { tenant: { default: 'wso2.com', description: 'the tenant domain' } },
    },
  ],
  security: [{ oauth2: ['admin'] }],
  paths: {
    '/clients': {
      post: {
        summary: 'Create a client; client_secret appears in this response only',
        requestBody: { required: true, ...json(ref('ClientInput')) },
        responses: { '201': { description: 'created', ...json(ref('Client')) }, ...errors },
      },
      get: { summary: 'List clients', parameters: paging, responses: { '200': { description: 'a page', ...json(page('Client')) }, ...errors } },
    },
    '/clients/{client_id}': {
      parameters: pathId('client_id'),
      get: { summary: 'Get a client', responses: { ...tagged('the client', 'Client'), ...errors, ...notFound } },
      patch: {
        summary: 'Change client metadata (client_id and client_secret cannot be set); saving a client approves every grant type it holds, those its RFC 7591 registrant chose included',
        parameters: ifMatch,
        requestBody: { required: true, ...json({ type: 'object', properties: clientMetadata, patternProperties: languageTagged, additionalProperties: false }) },
        responses: { ...tagged('the client', 'Client'), ...errors, ...notFound, ...preconditionFailed },
      },
      delete: { summary: 'Delete a client', responses: { '204': { description: 'deleted' }, ...errors, ...notFound } },
    },
    '/clients/{client_id}/secret': {
      parameters: pathId('client_id'),
      post: {
        summary: 'Rotate the client secret; the new one appears in this response only',
        responses: { ...tagged('the client with its new secret', 'Client'), ...errors, ...notFound },
      },
    },
    '/identity-providers': {
      post: {
        summary: 'Trust an issuer of JWT bearer grant assertions',
        requestBody: { required: true, ...json(ref('IdentityProviderInput')) },
        responses: { '201': { description: 'created', ...json(ref('IdentityProvider')) }, '409': { description: 'name or issuer taken', ...json(ref('Error')) }, ...errors },
      },
      get: { summary: 'List identity providers', parameters: paging, responses: { '200': { description: 'a page', ...json(page('IdentityProvider')) }, ...errors } },
    },
    '/identity-providers/{id}': {
      parameters: pathId('id'),
      get: { summary: 'Get an identity provider', responses: { ...tagged('the provider', 'IdentityProvider'), ...errors, ...notFound } },
      patch: {
        summary: 'Change an identity provider (a key source given replaces the others)',
        parameters: ifMatch,
        requestBody: { required: true, ...json({ type: 'object', properties: identityProviderFields, additionalProperties: false }) },
        responses: { ...tagged('the provider', 'IdentityProvider'), '409': { description: 'name or issuer taken', ...json(ref('Error')) }, ...errors, ...notFound, ...preconditionFailed },
      },
      delete: { summary: 'Remove an identity provider, the links of its subjects to users and every grant it vouched for', responses: { '204': { description: 'deleted' }, ...errors, ...notFound } },
    },
    '/users': {
      post: {
        summary: 'Create a user',
        requestBody: { required: true, ...json(ref('UserInput')) },
        responses: { '201': { description: 'created', ...json(ref('User')) }, '409': { description: 'username taken', ...json(ref('Error')) }, ...errors },
      },
      get: {
        summary: 'List users, or find one by username',
        parameters: [...paging, { name: 'username', in: 'query', schema: { type: 'string' } }],
        responses: { '200': { description: 'a page', ...json(page('User')) }, ...errors },
      },
    },
    '/users/{id}': {
      parameters: pathId('id'),
      get: { summary: 'Get a user', responses: { ...tagged('the user', 'User'), ...errors, ...notFound } },
      patch: {
        summary: 'Change a user; a new password or enabled: false revokes its grants; locked_until: null ends a lock-out',
        parameters: ifMatch,
        requestBody: { required: true, ...json({ type: 'object', properties: { ...userInput, locked_until }, additionalProperties: false }) },
        responses: { ...tagged('the user', 'User'), '409': { description: 'username taken', ...json(ref('Error')) }, ...errors, ...notFound, ...preconditionFailed },
      },
      delete: { summary: 'Delete a user and revoke its grants', responses: { '204': { description: 'deleted' }, ...errors, ...notFound } },
    },
    '/users/{id}/consents': {
      parameters: pathId('id'),
      get: { summary: 'Remembered consents of a user, per client', responses: { '200': { description: 'the consents', ...json({ type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { client_id: { type: 'string' }, scope: { type: 'string' }, created_at: { type: 'integer' }, updated_at: { type: 'integer' } } } }, total: { type: 'integer' } } }) }, ...errors, ...notFound } },
      delete: { summary: 'Forget the consents (all, or one client\'s with ?client_id=)', parameters: [{ name: 'client_id', in: 'query', schema: { type: 'string' } }], responses: { '204': { description: 'forgotten' }, ...errors, ...notFound } },
    },
    '/certificates': {
      post: {
        summary: 'Add a certificate to the truststore',
        requestBody: {
          required: true,
          ...json({ type: 'object', required: ['alias', 'certificate'], properties: { alias: { type: 'string' }, certificate: { type: 'string', description: 'PEM' } } }),
        },
        responses: { '201': { description: 'created', ...json(ref('Certificate')) }, '409': { description: 'alias taken', ...json(ref('Error')) }, ...errors },
      },
      get: { summary: 'List certificates', parameters: paging, responses: { '200': { description: 'a page', ...json(page('Certificate')) }, ...errors } },
    },
    '/certificates/{alias}': {
      parameters: pathId('alias'),
      get: { summary: 'Get a certificate', responses: { '200': { description: 'the certificate', ...json(ref('Certificate')) }, ...errors, ...notFound } },
      delete: { summary: 'Remove a certificate', responses: { '204': { description: 'deleted' }, ...errors, ...notFound } },
    },
    '/keys': {
      get: { summary: 'List signing (use sig) and encryption (use enc) keys, public facts only', parameters: paging, responses: { '200': { description: 'a page', ...json(page('Key')) }, ...errors } },
      post: {
        summary: 'Add a key: use enc publishes an encryption key at once; use sig a signing key, active when it is the first of its alg',
        requestBody: { required: false, ...json(ref('KeyRequest')) },
        responses: { '201': { description: 'the new key', ...json(ref('Key')) }, ...errors },
      },
    },
    '/keys/{kid}': {
      parameters: pathId('kid'),
      get: { summary: 'Get a key', responses: { '200': { description: 'the key', ...json(ref('Key')) }, ...errors, ...notFound } },
      delete: { summary: 'Delete an encryption key (signing keys are retired by rotation)', responses: { '204': { description: 'deleted' }, ...errors, ...notFound } },
    },
    '/keys/rotate': {
      post: {
        summary: 'Activate a new signing key (or, with use enc, a new encryption key); the previous one stays for [keys] rotation_grace_period',
        requestBody: { required: false, ...json(ref('KeyRequest')) },
        responses: { '201': { description: 'the new active key', ...json(ref('Key')) }, ...errors },
      },
    },
    '/initial-access-tokens': {
      get: { summary: 'List initial access tokens (never the tokens themselves)', parameters: paging, responses: { '200': { description: 'a page', ...json(page('InitialAccessToken')) }, ...errors } },
      post: {
        summary: 'An RFC 7591 initial access token for POST /oauth2/register; it appears in this response only',
        requestBody: {
          required: false,
          ...json({
            type: 'object',
            additionalProperties: false,
            properties: {
              expires_in: { type: 'integer', minimum: 1, maximum: 366 * 24 * 3600, default: DEFAULT_INITIAL_ACCESS_TOKEN_SECONDS, description: 'seconds' },
              max_uses: { type: ['integer', 'null'], minimum: 1, description: 'registrations it allows; default: any number until it expires' },
            },
          }),
        },
        responses: {
          '201': {
            description: 'the token',
            ...json({
              type: 'object',
              required: ['id', 'initial_access_token', 'expires_at'],
              properties: { id: { type: 'string' }, initial_access_token: { type: 'string' }, expires_at: { type: 'integer', description: 'epoch seconds' }, max_uses: { type: ['integer', 'null'] } },
            }),
          },
          ...errors,
        },
      },
    },
    '/initial-access-tokens/{id}': {
      parameters: pathId('id'),
      get: { summary: 'Get an initial access token (not the token itself)', responses: { '200': { description: 'the token\'s facts', ...json(ref('InitialAccessToken')) }, ...errors, ...notFound } },
      delete: { summary: 'Revoke an initial access token', responses: { '204': { description: 'revoked' }, ...errors, ...notFound } },
    },
    '/audit-events': {
      get: {
        summary: 'The audit trail of admin and security changes, newest first (every filter optional, all of them applying)',
        parameters: [...auditFilters, ...paging],
        responses: { '200': { description: 'a page', ...json(page('AuditEvent')) }, ...errors },
      },
    },
    '/tenants': {
      post: {
        summary: 'Create a tenant (super-admins only): an isolated issuer at /t/{domain}, created with its first signing key',
        requestBody: { required: true, ...json(ref('TenantInput')) },
        responses: { '201': { description: 'created', headers: etag, ...json(ref('Tenant')) }, '409': { description: 'the domain is taken', ...json(ref('Error')) }, ...errors },
      },
      get: { summary: 'List tenants (super-admins only), the default tenant carbon.super first', parameters: paging, responses: { '200': { description: 'a page', ...json(page('Tenant')) }, ...errors } },
    },
    '/tenants/{domain}': {
      parameters: pathId('domain'),
      get: { summary: 'Get a tenant', responses: { ...tagged('the tenant', 'Tenant'), ...errors, ...notFound } },
      patch: {
        summary: 'Change a tenant\'s display_name, enabled or settings (the domain never changes)',
        parameters: ifMatch,
        requestBody: { required: true, ...json({ type: 'object', properties: tenantFields, additionalProperties: false }) },
        responses: { ...tagged('the tenant', 'Tenant'), '409': { description: 'the default tenant cannot be disabled', ...json(ref('Error')) }, ...errors, ...notFound, ...preconditionFailed },
      },
      delete: {
        summary: 'Delete a tenant and everything of it in one transaction (clients, users, identity providers, certificates, keys, grants, tokens, sessions, consents, initial access tokens, jtis); its audit events stay',
        responses: { '204': { description: 'deleted' }, '409': { description: 'the default tenant cannot be deleted', ...json(ref('Error')) }, ...errors, ...notFound },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1', ...json({ type: 'object' }) } } },
    },
  },
  components: {
    securitySchemes: {
      oauth2: {
        type: 'oauth2',
        description: "an access token of this server with scope admin, from the client_credentials grant of a client registered with scope admin: the tenant's own (/t/{tenant}/oauth2/token), or a super-admin's of the default tenant (super_admin = true), which /tenants requires",
        flows: { clientCredentials: { tokenUrl: '/oauth2/token', scopes: { admin: 'the admin API (granted only when asked for, alone)' } } },
      },
    },
    schemas: {
      Error: { type: 'object', required: ['error', 'error_description'], properties: { error: { type: 'string' }, error_description: { type: 'string' } } },
      InitialAccessToken: {
        type: 'object',
        required: ['id', 'created_at', 'expires_at', 'max_uses', 'uses'],
        properties: {
          id: { type: 'string' },
          created_at: { type: 'integer', description: 'epoch seconds' },
          expires_at: { type: 'integer', description: 'epoch seconds' },
          max_uses: { type: ['integer', 'null'] },
          uses: { type: 'integer' },
        },
      },
      ClientInput: { type: 'object', required: ['client_name'], properties: clientMetadata, patternProperties: languageTagged, additionalProperties: false },
      Client: {
        type: 'object',
        properties: {
          client_id: { type: 'string' },
          client_secret: { type: 'string', description: 'only when created or rotated' },
          client_secret_expires_at: { type: 'integer', description: '0: does not expire' },
          client_id_issued_at: { type: 'integer' },
          updated_at: { type: 'integer' },
          ...clientMetadata,
        },
        patternProperties: languageTagged,
      },
      IdentityProviderInput: {
        type: 'object',
        required: ['name', 'issuer'],
        description: 'exactly one of jwks_uri, certificate, certificate_alias',
        properties: identityProviderFields,
        additionalProperties: false,
      },
      IdentityProvider: {
        type: 'object',
        properties: { id: { type: 'string' }, ...identityProviderFields, created_at: { type: 'integer' }, updated_at: { type: 'integer' } },
      },
      UserInput: { type: 'object', required: ['username'], properties: userInput, additionalProperties: false },
      User: {
        type: 'object',
        properties: {
          id: { type: 'string', description: 'the sub of the user\'s tokens' },
          ...userFields,
          locked_until: { type: ['integer', 'null'], description: 'while a lock-out lasts' },
          created_at: { type: 'integer' },
          updated_at: { type: 'integer' },
        },
      },
      TenantInput: { type: 'object', required: ['domain'], properties: tenantFields, additionalProperties: false },
      Tenant: {
        type: 'object',
        required: ['domain', 'display_name', 'enabled', 'settings', 'default', 'created_at'],
        properties: { ...tenantFields, default: { type: 'boolean', description: 'the default tenant carbon.super: the deployment\'s own URLs; cannot be deleted or disabled' }, created_at: { type: 'integer' } },
      },
      Certificate: {
        type: 'object',
        properties: {
          alias: { type: 'string' },
          subject: { type: 'string' },
          fingerprint: { type: 'string' },
          not_after: { type: 'integer' },
          created_at: { type: 'integer' },
          certificate: { type: 'string' },
        },
      },
      AuditEvent: {
        type: 'object',
        required: ['id', 'occurred_at', 'tenant', 'actor', 'event', 'client_id', 'target', 'details'],
        properties: {
          id: { type: 'integer', description: 'grows with each event' },
          occurred_at: { type: 'integer', description: 'epoch seconds' },
          tenant: { type: 'string' },
          actor: { type: 'string', description: 'client:<client_id>, operator:<OS user>, registrant' },
          event: { type: 'string', enum: [...AUDIT_EVENTS] },
          client_id: { type: ['string', 'null'], description: 'the client the change concerns' },
          target: { type: ['string', 'null'], description: 'the record changed: client_id, user id, identity provider id, certificate alias, kid, initial access token id' },
          details: { type: ['object', 'null'], description: 'what changed: field names (never their values), an algorithm; never a secret' },
        },
      },
      KeyRequest: {
        type: 'object',
        properties: {
          use: { type: 'string', enum: ['sig', 'enc'], default: 'sig' },
          alg: { type: 'string', enum: [...SIGNING_ALGS, ...KEY_ENCRYPTION_ALGS], description: 'sig: default [oauth.token] signing_alg' },
        },
      },
      Key: {
        type: 'object',
        properties: {
          kid: { type: 'string' },
          use: { type: 'string', enum: ['sig', 'enc'] },
          alg: { type: 'string' },
          kty: { type: 'string' },
          status: { type: 'string' },
          source: { type: 'string', enum: ['generated', 'imported', 'keystore'] },
          created_at: { type: 'integer' },
          retire_at: { type: ['integer', 'null'] },
        },
      },
    },
  },
} as const;
