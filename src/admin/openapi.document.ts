/** OpenAPI 3.1 description of /api/admin/v1, kept next to the controllers it describes. */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const page = (item: string) => ({
  type: 'object',
  required: ['items', 'total'],
  properties: { items: { type: 'array', items: ref(item) }, total: { type: 'integer' } },
});
const errors = {
  '400': { description: 'invalid input', ...json(ref('Error')) },
  '401': { description: 'missing or inactive bearer token', ...json(ref('Error')) },
  '403': { description: 'token lacks the admin scope', ...json(ref('Error')) },
  '413': { description: 'request body too large', ...json(ref('Error')) },
};
const notFound = { '404': { description: 'no such record', ...json(ref('Error')) } };
const paging = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
];
const pathId = (name: string) => [{ name, in: 'path', required: true, schema: { type: 'string' } }];
const strings = { type: 'array', items: { type: 'string' } };

const clientMetadata = {
  client_name: { type: 'string', maxLength: 255 },
  grant_types: { ...strings, default: ['client_credentials'] },
  token_endpoint_auth_method: {
    type: 'string',
    default: 'client_secret_basic',
    description: 'one of the methods enabled on this server (see token_endpoint_auth_methods_supported)',
  },
  scope: { type: 'string', description: 'space-separated; also the default scope of a request without one' },
  redirect_uris: strings,
  response_types: strings,
  jwks: { type: ['object', 'null'], properties: { keys: { type: 'array', items: { type: 'object' } } } },
  jwks_uri: { type: ['string', 'null'], format: 'uri' },
  token_endpoint_auth_signing_alg: { type: ['string', 'null'] },
  access_token_format: { type: ['string', 'null'], enum: ['jwt', 'opaque', null] },
  audience: strings,
  introspect_any: { type: 'boolean', default: false, description: 'admin-only: may introspect every token of its tenant' },
  post_logout_redirect_uris: { ...strings, description: 'where RP-initiated logout may return (exact match)' },
  application_type: { type: 'string', enum: ['web', 'native'], default: 'web' },
  subject_type: { type: 'string', enum: ['public', 'pairwise'], default: 'public' },
  sector_identifier_uri: { type: ['string', 'null'], format: 'uri', description: 'https; must list every redirect URI' },
  default_max_age: { type: ['integer', 'null'], minimum: 0 },
  require_auth_time: { type: 'boolean', default: false },
};

const identityProviderFields = {
  name: { type: 'string' },
  issuer: { type: 'string', description: 'the iss of its assertions' },
  alias: { type: ['string', 'null'], description: 'the aud its assertions must name; default: the token endpoint URL' },
  jwks_uri: { type: ['string', 'null'], format: 'uri' },
  certificate: { type: ['string', 'null'], description: 'PEM' },
  certificate_alias: { type: ['string', 'null'], description: 'a truststore certificate' },
  enabled: { type: 'boolean', default: true },
  allow_insecure_jwks_uri: { type: 'boolean', default: false, description: 'development only: http and private addresses' },
  signing_algs: strings,
  claim_mappings: { type: 'object', additionalProperties: { type: 'string' }, description: 'assertion claim → access-token claim' },
  map_subject_to_user: { type: 'boolean', default: false, description: "the assertion's sub names a local user through that user's identity link to this provider" },
};

const userFields = {
  username: { type: 'string', maxLength: 255, description: 'unique per tenant, compared after NFKC and lower-casing' },
  claims: { type: 'object', description: 'claims of the user\'s tokens (email, name, groups, ...); no registered claim' },
  enabled: { type: 'boolean', default: true },
  identities: {
    type: 'array',
    description: 'subjects of identity providers (map_subject_to_user) that are this user',
    items: { type: 'object', required: ['identity_provider', 'subject'], properties: { identity_provider: { type: 'string', description: 'the provider\'s name' }, subject: { type: 'string' } } },
  },
};
const userInput = {
  ...userFields,
  password: { type: 'string', writeOnly: true, description: 'checked against [users] password policy; hashed with scrypt; a new one revokes the user\'s grants' },
};

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'grantry admin API', version: '1' },
  servers: [{ url: '/api/admin/v1' }],
  security: [{ bearer: [] }],
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
      get: { summary: 'Get a client', responses: { '200': { description: 'the client', ...json(ref('Client')) }, ...errors, ...notFound } },
      patch: {
        summary: 'Change client metadata (client_id and client_secret cannot be set)',
        requestBody: { required: true, ...json({ type: 'object', properties: clientMetadata, additionalProperties: false }) },
        responses: { '200': { description: 'the client', ...json(ref('Client')) }, ...errors, ...notFound },
      },
      delete: { summary: 'Delete a client', responses: { '204': { description: 'deleted' }, ...errors, ...notFound } },
    },
    '/clients/{client_id}/secret': {
      parameters: pathId('client_id'),
      post: {
        summary: 'Rotate the client secret; the new one appears in this response only',
        responses: { '200': { description: 'the client with its new secret', ...json(ref('Client')) }, ...errors, ...notFound },
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
      get: { summary: 'Get an identity provider', responses: { '200': { description: 'the provider', ...json(ref('IdentityProvider')) }, ...errors, ...notFound } },
      patch: {
        summary: 'Change an identity provider (a key source given replaces the others)',
        requestBody: { required: true, ...json({ type: 'object', properties: identityProviderFields, additionalProperties: false }) },
        responses: { '200': { description: 'the provider', ...json(ref('IdentityProvider')) }, ...errors, ...notFound },
      },
      delete: { summary: 'Remove an identity provider', responses: { '204': { description: 'deleted' }, ...errors, ...notFound } },
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
      get: { summary: 'Get a user', responses: { '200': { description: 'the user', ...json(ref('User')) }, ...errors, ...notFound } },
      patch: {
        summary: 'Change a user; a new password or enabled: false revokes its grants; locked_until: null ends a lock-out',
        requestBody: { required: true, ...json({ type: 'object', properties: { ...userInput, locked_until: { type: 'null' } }, additionalProperties: false }) },
        responses: { '200': { description: 'the user', ...json(ref('User')) }, '409': { description: 'username taken', ...json(ref('Error')) }, ...errors, ...notFound },
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
      get: { summary: 'List signing keys (public facts only)', parameters: paging, responses: { '200': { description: 'a page', ...json(page('Key')) }, ...errors } },
    },
    '/keys/{kid}': {
      parameters: pathId('kid'),
      get: { summary: 'Get a signing key', responses: { '200': { description: 'the key', ...json(ref('Key')) }, ...errors, ...notFound } },
    },
    '/keys/rotate': {
      post: {
        summary: 'Activate a new signing key; the previous one stays in the JWKS for [keys] rotation_grace_period',
        requestBody: { required: false, ...json({ type: 'object', properties: { alg: { type: 'string', enum: ['RS256', 'PS256', 'ES256', 'EdDSA'] } } }) },
        responses: { '201': { description: 'the new active key', ...json(ref('Key')) }, ...errors },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an access token of this server with scope admin' } },
    schemas: {
      Error: { type: 'object', required: ['error', 'error_description'], properties: { error: { type: 'string' }, error_description: { type: 'string' } } },
      ClientInput: { type: 'object', required: ['client_name'], properties: clientMetadata, additionalProperties: false },
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
      Key: {
        type: 'object',
        properties: {
          kid: { type: 'string' },
          alg: { type: 'string' },
          kty: { type: 'string' },
          status: { type: 'string', enum: ['active', 'published', 'retiring', 'retired'] },
          source: { type: 'string', enum: ['generated', 'imported', 'keystore'] },
          created_at: { type: 'integer' },
          retire_at: { type: ['integer', 'null'] },
        },
      },
    },
  },
} as const;
