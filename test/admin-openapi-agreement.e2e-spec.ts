import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { AdminModule } from '../src/admin/admin.module';
import { OPENAPI_DOCUMENT } from '../src/admin/openapi.document';
import { CLIENT_METADATA_FIELDS, parseClientMetadata } from '../src/clients/client-metadata';
import { IDENTITY_PROVIDER_FIELDS, parseIdentityProviderInput } from '../src/identity-providers/identity-provider-input';
import { parseTenantInput, TENANT_FIELDS } from '../src/tenants/tenant-input';
import { parseUserInput, USER_FIELDS } from '../src/users/user-input';
import { startServer, stopServer, TestServer } from './support/server';

type Schema = { type?: string | string[]; enum?: unknown[]; items?: Schema; properties?: Record<string, Schema> };
type Document = { openapi: string; paths: Record<string, Record<string, unknown>>; security: unknown; components: { securitySchemes: Record<string, unknown>; schemas: Record<string, Schema> } };

/** `/clients/{client_id}` and `/clients/:clientId` are one route: parameters compared by position only. */
const shape = (path: string) => path.replace(/\{[^}]+\}|:[^/]+/g, '{}').replace(/\/+$/, '');

/** Every route the admin module's controllers register, as `METHOD /path` under /api/admin/v1. */
function registeredRoutes(): string[] {
  const routes: string[] = [];
  for (const controller of Reflect.getMetadata('controllers', AdminModule) as (new (...args: never[]) => object)[]) {
    const base = (Reflect.getMetadata(PATH_METADATA, controller) as string).replace(/^\/?api\/admin\/v1/, '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = controller.prototype[name as keyof object] as unknown;
      if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      routes.push(`${method} ${shape(`${base}/${sub === '/' ? '' : sub}`)}`);
    }
  }
  return routes.sort();
}

function documentedRoutes(document: Document): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => key !== 'parameters').map((method) => `${method.toUpperCase()} ${shape(path)}`))
    .sort();
}

function typesOf(schema: Schema): string[] {
  return ([] as string[]).concat(schema.type ?? []);
}

/** A value of none of the schema's types. */
function wrongType(schema: Schema): unknown {
  const types = typesOf(schema);
  if (!types.includes('string')) return 'a string';
  if (!types.includes('integer')) return 42;
  return true;
}

function refusal(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    return (error as { description?: string }).description ?? (error as Error).message;
  }
}

describe('the admin API validators and its OpenAPI 3.1 document agree (issue 15 item 8)', () => {
  let server: TestServer;
  let served: Document;

  beforeAll(async () => {
    server = await startServer();
    served = (await (await fetch(`${server.url}/api/admin/v1/openapi.json`)).json()) as Document;
  });
  afterAll(() => stopServer(server));

  it('serves the document built from the validators\' field tables', () => {
    expect(served).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    expect(served.openapi).toBe('3.1.0');
  });

  it('documents every route the admin controllers register, and no other', () => {
    expect(registeredRoutes()).toEqual(expect.arrayContaining(['POST /initial-access-tokens', 'PATCH /clients/{}', 'DELETE /users/{}/consents']));
    expect(documentedRoutes(served)).toEqual(registeredRoutes());
  });

  it('describes its security as OAuth 2 client credentials at the token endpoint with scope admin', () => {
    expect(served.security).toEqual([{ oauth2: ['admin'] }]);
    expect(served.components.securitySchemes.oauth2).toMatchObject({ type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/oauth2/token', scopes: { admin: expect.any(String) } } } });
  });

  describe.each([
    {
      name: 'clients',
      schema: 'ClientInput',
      fields: CLIENT_METADATA_FIELDS as Record<string, Schema>,
      // Enough context that every listed value is acceptable on its own (response types need grants, encryption keys).
      base: { client_name: 'rp', grant_types: ['authorization_code', 'implicit', 'client_credentials'], redirect_uris: ['https://rp.example/cb'], jwks_uri: 'https://rp.example/jwks' } as Record<string, unknown>,
      parse: (body: Record<string, unknown>) => parseClientMetadata(body),
      companions: Object.fromEntries(
        ['id_token', 'userinfo', 'authorization', 'introspection'].map((prefix) => [`${prefix}_encrypted_response_enc`, { [`${prefix}_encrypted_response_alg`]: 'RSA-OAEP-256' }]),
      ) as Record<string, Record<string, unknown>>,
      unchecked: [] as string[],
    },
    {
      name: 'identity providers',
      schema: 'IdentityProviderInput',
      fields: IDENTITY_PROVIDER_FIELDS as Record<string, Schema>,
      base: { name: 'idp', issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks' } as Record<string, unknown>,
      parse: (body: Record<string, unknown>) => parseIdentityProviderInput(body),
      companions: {} as Record<string, Record<string, unknown>>,
      unchecked: [] as string[],
    },
    {
      name: 'users',
      schema: 'UserInput',
      fields: USER_FIELDS as Record<string, Schema>,
      base: {} as Record<string, unknown>,
      parse: (body: Record<string, unknown>) => parseUserInput(body, false),
      companions: {} as Record<string, Record<string, unknown>>,
      // The password goes to the password policy (UsersService), which names what is wrong with it.
      unchecked: ['password'],
    },
    {
      name: 'tenants',
      schema: 'TenantInput',
      fields: TENANT_FIELDS as Record<string, Schema>,
      base: { domain: 'acme.example' } as Record<string, unknown>,
      parse: (body: Record<string, unknown>) => parseTenantInput(body),
      companions: {} as Record<string, Record<string, unknown>>,
      unchecked: [] as string[],
    },
  ])('$name', ({ schema, fields, base, parse, companions, unchecked }) => {
    it('documents exactly the fields the validator takes', () => {
      const documented = Object.keys(served.components.schemas[schema].properties ?? {});
      expect(documented.sort()).toEqual(Object.keys(fields).filter((field) => schema !== 'UserInput' || field !== 'locked_until').sort());
      expect(refusal(() => parse({ ...base, not_a_field: 1 }))).toBe('unknown field not_a_field');
    });

    it('refuses a value of a type the document does not list, naming the field', () => {
      for (const [field, fieldSchema] of Object.entries(fields)) {
        if (unchecked.includes(field)) continue;
        const why = refusal(() => parse({ ...base, [field]: wrongType(fieldSchema) }));
        expect({ field, refused: why !== undefined && why.includes(field) }).toEqual({ field, refused: true });
      }
    });

    it('accepts null exactly where the document allows it', () => {
      for (const [field, fieldSchema] of Object.entries(fields)) {
        if (unchecked.includes(field) || field === 'locked_until') continue;
        const nullable = typesOf(fieldSchema).includes('null');
        const why = refusal(() => parse({ ...base, [field]: null }));
        // A null the document allows may still break a rule between fields (the one key source), never the field's type.
        if (nullable) expect({ field, why: why?.startsWith(`${field} must`) ? why : undefined }).toEqual({ field, why: undefined });
        else expect({ field, refused: why !== undefined }).toEqual({ field, refused: true });
      }
    });

    it('accepts every documented enum value and refuses one outside the enum', () => {
      for (const [field, fieldSchema] of Object.entries(fields)) {
        const values = (fieldSchema.enum ?? fieldSchema.items?.enum)?.filter((value) => value !== null);
        if (!values) continue;
        const wrap = (value: unknown) => (fieldSchema.items ? [value] : value);
        for (const value of values) {
          const why = refusal(() => parse({ ...base, ...companions[field], [field]: wrap(value) }));
          expect({ field, value, why }).toEqual({ field, value, why: undefined });
        }
        expect({ field, refused: refusal(() => parse({ ...base, ...companions[field], [field]: wrap('NOT-LISTED') })) !== undefined }).toEqual({ field, refused: true });
      }
    });
  });
});
