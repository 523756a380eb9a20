import { INestApplicationContext } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import type { ClientRegistrationService } from '../../oauth/registration/client-registration.service';
import { parse, readInputFile, requirePositional, requireString, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { operatorActor } from '../operator';
import { print } from '../output';
import { CLIENTS_USAGE } from '../usage';

const LIST_COLUMNS = ['client_id', 'client_name', 'token_endpoint_auth_method', 'grant_types', 'scope'];

const CLIENT_OPTIONS = {
  name: { type: 'string' },
  'grant-type': { type: 'string', multiple: true },
  'auth-method': { type: 'string' },
  scope: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'jwks-uri': { type: 'string' },
  'jwks-file': { type: 'string' },
  'auth-signing-alg': { type: 'string' },
  'token-format': { type: 'string' },
  audience: { type: 'string', multiple: true },
  'introspect-any': { type: 'boolean' },
  'super-admin': { type: 'boolean' },
  'response-type': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'application-type': { type: 'string' },
  'subject-type': { type: 'string' },
  'sector-identifier-uri': { type: 'string' },
  'default-max-age': { type: 'string' },
  'require-auth-time': { type: 'boolean' },
  'require-par': { type: 'boolean' },
  'cors-origin': { type: 'string', multiple: true },
  'request-uri': { type: 'string', multiple: true },
  'request-object-signing-alg': { type: 'string' },
} as const;

/** The RFC 7591 metadata the options name (client_name is the caller's). */
function metadataFields(values: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (values['grant-type']) input.grant_types = values['grant-type'];
  if (values['auth-method']) input.token_endpoint_auth_method = values['auth-method'];
  if (values.scope !== undefined) input.scope = values.scope;
  if (values['redirect-uri']) input.redirect_uris = values['redirect-uri'];
  if (values['jwks-uri']) input.jwks_uri = values['jwks-uri'];
  if (values['jwks-file']) input.jwks = readJson(String(values['jwks-file']));
  if (values['auth-signing-alg']) input.token_endpoint_auth_signing_alg = values['auth-signing-alg'];
  if (values['request-uri']) input.request_uris = values['request-uri'];
  if (values['request-object-signing-alg']) input.request_object_signing_alg = values['request-object-signing-alg'];
  if (values['token-format']) input.access_token_format = values['token-format'];
  if (values.audience) input.audience = values.audience;
  if (values['introspect-any']) input.introspect_any = true;
  if (values['super-admin']) input.super_admin = true;
  if (values['response-type']) input.response_types = values['response-type'];
  if (values['post-logout-redirect-uri']) input.post_logout_redirect_uris = values['post-logout-redirect-uri'];
  if (values['application-type']) input.application_type = values['application-type'];
  if (values['subject-type']) input.subject_type = values['subject-type'];
  if (values['sector-identifier-uri']) input.sector_identifier_uri = values['sector-identifier-uri'];
  if (values['default-max-age'] !== undefined) {
    const seconds = Number(values['default-max-age']);
    if (!/^\d+$/.test(String(values['default-max-age']))) throw new UsageError('--default-max-age takes a whole number of seconds');
    input.default_max_age = seconds;
  }
  if (values['require-auth-time']) input.require_auth_time = true;
  // RFC 9126 §6 require_pushed_authorization_requests.
  if (values['require-par']) input.require_pushed_authorization_requests = true;
  if (values['cors-origin']) input.allowed_cors_origins = values['cors-origin'];
  return input;
}

/** Registration (oauth/) is required by the writes only: `list` and `show` run without the OAuth core (issue 30). */
function registration(app: INestApplicationContext): ClientRegistrationService {
  const { ClientRegistrationService: service } = require('../../oauth/registration/client-registration.service') as typeof import('../../oauth/registration/client-registration.service');
  return app.get(service);
}

export async function clientsCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  const clients = app.get(ClientsService);
  switch (sub) {
    case 'create': {
      const { values } = parse(args, CLIENT_OPTIONS);
      const input = { client_name: requireString(values, 'name'), ...metadataFields(values) };
      const created = await registration(app).create(input, operatorActor());
      print(io.stdout, created, values.json === true);
      // On stderr, so that stdout stays the bare --json record.
      if (created.token_endpoint_auth_method === 'private_key_jwt' && !created.jwks && !created.jwks_uri) {
        const id = created.client_id;
        io.stderr.write(`hint: the client has no keys yet — grantry certs import --alias ${id} --file CERT.pem (or clients update ${id} --jwks-uri U)\n`);
      }
      return;
    }
    case 'update': {
      const { values, positionals } = parse(args, { ...CLIENT_OPTIONS, 'no-introspect-any': { type: 'boolean' }, 'no-super-admin': { type: 'boolean' }, 'no-require-par': { type: 'boolean' }, 'no-cors-origin': { type: 'boolean' }, 'default-cors-origins': { type: 'boolean' }, 'no-request-uri': { type: 'boolean' }, 'any-request-object-signing-alg': { type: 'boolean' } });
      const clientId = requirePositional(positionals, 'CLIENT_ID');
      const input: Record<string, unknown> = metadataFields(values);
      if (values.name) input.client_name = values.name;
      if (values['no-introspect-any']) input.introspect_any = false;
      if (values['no-require-par']) input.require_pushed_authorization_requests = false;
      if (values['super-admin'] && values['no-super-admin']) throw new UsageError('give only one of --super-admin, --no-super-admin');
      if (values['no-super-admin']) input.super_admin = false;
      if (values['request-uri'] && values['no-request-uri']) throw new UsageError('give only one of --request-uri, --no-request-uri');
      if (values['no-request-uri']) input.request_uris = [];
      if (values['request-object-signing-alg'] && values['any-request-object-signing-alg']) throw new UsageError('give only one of --request-object-signing-alg, --any-request-object-signing-alg');
      if (values['any-request-object-signing-alg']) input.request_object_signing_alg = null;
      const corsChoices = ['cors-origin', 'no-cors-origin', 'default-cors-origins'].filter((option) => values[option] !== undefined);
      if (corsChoices.length > 1) throw new UsageError(`give only one of ${corsChoices.map((option) => `--${option}`).join(', ')}`);
      // [] answers CORS to no origin at all; null goes back to the default (a public client's redirect-URI origins).
      if (values['no-cors-origin']) input.allowed_cors_origins = [];
      if (values['default-cors-origins']) input.allowed_cors_origins = null;
      if (!Object.keys(input).length) throw new UsageError('nothing to change: give at least one option');
      print(io.stdout, (await registration(app).update(clientId, input, operatorActor())).view, values.json === true);
      return;
    }
    case 'list': {
      const { values } = parse(args, {});
      const all = [];
      for (let offset = 0, total = Infinity; offset < total; offset += 200) {
        const page = await clients.list(200, offset);
        all.push(...page.items);
        total = page.total;
        if (!page.items.length) break;
      }
      print(io.stdout, all, values.json === true, LIST_COLUMNS);
      return;
    }
    case 'show': {
      const { values, positionals } = parse(args, {});
      print(io.stdout, await clients.get(requirePositional(positionals, 'CLIENT_ID')), values.json === true);
      return;
    }
    case 'delete': {
      const { positionals } = parse(args, {});
      const clientId = requirePositional(positionals, 'CLIENT_ID');
      await registration(app).delete(clientId, operatorActor()); // its grants end with it
      io.stderr.write(`deleted client ${clientId}\n`);
      return;
    }
    default:
      throw new UsageError(`usage:\n${CLIENTS_USAGE}`);
  }
}

function readJson(file: string): unknown {
  const text = readInputFile(file).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
}
