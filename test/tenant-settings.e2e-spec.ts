import { IssuerContext } from '../src/common/issuer-context';
import { RequestContext } from '../src/common/request-context';
import { resolveTenantSettings, tenantOverrideProblems } from '../src/config/tenant-settings';
import { LoginSteps } from '../src/oauth/authorization/interaction/login-step';
import { AuthenticatorRegistry } from '../src/oauth/client-auth/authenticator.registry';
import { DiscoveryController } from '../src/oauth/discovery/discovery.controller';
import { GrantRegistry } from '../src/oauth/grants/grant.registry';
import { TenantOverridesCheck } from '../src/oauth/tenant-overrides.check';
import { releaseAfterEach } from './support/resources';
import { startServer, stopServer, TestServer } from './support/server';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * Per-tenant settings reach the registries: two request contexts built by hand (as the tenant
 * routing builds them), one from the file alone and one with its `[tenant."acme.example"]` table
 * and admin overrides, run through `IssuerContext.run`. Each answers with its own grants,
 * authenticators (with its own properties), login steps and discovery document; the default one's
 * HTTP answers stay as they were.
 */
describe('per-tenant settings: the registries answer per request context', () => {
  let server: TestServer;
  let issuers: IssuerContext;
  let acme: RequestContext;

  beforeAll(async () => {
    server = await startServer({
      event_listener: [{ id: 'private_key_jwt_authenticator', properties: { RejectBeforeInMinutes: '100' } }],
      tenant: {
        'acme.example': {
          oauth: { pkce: { allow_plain: true }, grant_type: { password: { enable: true }, client_credentials: { enable: false }, jwt_bearer: { order: 10 } } },
          event_listener: [
            { id: 'client_secret_post', enable: false },
            { id: 'private_key_jwt', order: '50', properties: { RejectBeforeInMinutes: 60, PreventTokenReuse: 'false' } },
          ],
          login: { authenticator: [{ id: 'password', properties: { hint: 'acme' } }] },
        },
      },
    });
    issuers = server.app.get(IssuerContext);
    // The admin API's overrides win over the file's table: refresh_token off for this tenant.
    const { settings } = resolveTenantSettings(server.config, 'acme.example', { oauth: { grant_type: { refresh_token: { enable: false } } } });
    acme = new RequestContext('acme.example', `${server.url}/t/acme.example`, settings);
  });

  afterAll(() => stopServer(server));

  it('enables and orders grants per issuer', () => {
    const grants = server.app.get(GrantRegistry);
    expect(grants.grantTypes).toEqual(['client_credentials', 'authorization_code', JWT_BEARER, 'refresh_token']);
    expect(issuers.run(acme, () => grants.grantTypes)).toEqual([JWT_BEARER, 'authorization_code', 'password']);
    expect(() => issuers.run(acme, () => grants.get('client_credentials'))).toThrow('grant_type client_credentials is not supported');
    expect(() => grants.get('password')).toThrow('grant_type password is not supported');
    expect(issuers.run(acme, () => grants.get('password').handler.grantType)).toBe('password');
  });

  it('enables, orders and configures client authenticators per issuer, sharing what a tenant leaves as the file has it', () => {
    const registry = server.app.get(AuthenticatorRegistry);
    expect(registry.methods).toEqual(['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth', 'none']);
    expect(issuers.run(acme, () => registry.methods)).toEqual(['private_key_jwt', 'client_secret_basic', 'client_secret_jwt', 'tls_client_auth', 'self_signed_tls_client_auth', 'none']);
    const ours = registry.find('private_key_jwt')!;
    const theirs = issuers.run(acme, () => registry.find('private_key_jwt'))!;
    // A copy configured with the tenant's properties (merged over the file's); the file's instance keeps its own.
    expect(theirs).not.toBe(ours);
    expect(Object.getPrototypeOf(theirs)).toBe(ours);
    const properties = (authenticator: object) => (authenticator as unknown as { properties: { RejectBeforeInMinutes: number; PreventTokenReuse: boolean } }).properties;
    expect(properties(ours)).toMatchObject({ RejectBeforeInMinutes: 100, PreventTokenReuse: true });
    expect(properties(theirs)).toMatchObject({ RejectBeforeInMinutes: 60, PreventTokenReuse: false });
    // Properties the tenant did not change: the same instance.
    expect(issuers.run(acme, () => registry.find('client_secret_basic'))).toBe(registry.find('client_secret_basic'));
    // Built once per context.
    expect(issuers.run(acme, () => registry.authenticators)).toBe(issuers.run(acme, () => registry.authenticators));
  });

  it('gives each issuer its login steps\' properties', () => {
    const steps = server.app.get(LoginSteps);
    expect(steps.at(0)!.properties).toEqual({});
    expect(issuers.run(acme, () => steps.at(0)!.properties)).toEqual({ hint: 'acme' });
  });

  it('publishes each issuer\'s grants, methods and PKCE methods in its discovery document; the default one\'s over HTTP unchanged', async () => {
    const discovery = server.app.get(DiscoveryController);
    const theirs = issuers.run(acme, () => discovery.openidConfiguration());
    expect(theirs).toMatchObject({
      issuer: `${server.url}/t/acme.example`,
      grant_types_supported: [JWT_BEARER, 'authorization_code', 'password'],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'client_secret_jwt', 'none'],
      code_challenge_methods_supported: ['S256', 'plain'],
    });
    const served = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(served).toMatchObject({
      grant_types_supported: ['client_credentials', 'authorization_code', JWT_BEARER, 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('checks admin API overrides: keys, what they name, and what they make with the file', () => {
    const check = server.app.get(TenantOverridesCheck);
    expect(check.problems('acme.example', { oauth: { token: { access_token_ttl: 900 } }, event_listener: [{ id: 'none', enable: false }] })).toEqual([]);
    expect(check.problems('acme.example', { oauth: { token: { format: 'opaque' } }, event_listener: [{ id: 'kerberos' }], login: { authenticator: [{ id: 'totp' }] } })).toEqual([
      'oauth.token.format: not overridable per tenant (overridable here: access_token_ttl, refresh_token_ttl, refresh_token_absolute_ttl)',
      'event_listener[0] id = "kerberos" matches no client authenticator (known ids: client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt_authenticator, private_key_jwt, tls_client_auth, self_signed_tls_client_auth, none; a drop-in authenticator names its module in name)',
      'login.authenticator[0].id = "totp": matches no login step (known: password; a tenant cannot add a drop-in step)',
    ]);
    // Valid keys and values alone; contradicting the tenant table's RejectBeforeInMinutes = 60 once merged with it.
    const cap = { event_listener: [{ id: 'private_key_jwt', properties: { max_allowed_jwt_lifetime_seconds: 60 } }] };
    expect(tenantOverrideProblems(cap)).toEqual([]);
    expect(check.problems('acme.example', cap)).toEqual([
      '[[event_listener]] private_key_jwt: max_allowed_jwt_lifetime_seconds = 60 s is shorter than RejectBeforeInMinutes = 60 minutes: an assertion old enough to be allowed would always be refused; raise one or lower the other',
    ]);
    // A tenant without a table merges with the file's RejectBeforeInMinutes = 100 alone: a cap of 6000 s fits it.
    expect(check.problems('other.example', { event_listener: [{ id: 'private_key_jwt', properties: { max_allowed_jwt_lifetime_seconds: 6000 } }] })).toEqual([]);
    expect(check.problems('acme.example', { login: { authenticator: [{ id: 'password', enable: false }] } })).toEqual(['[[login.authenticator]]: every login step is disabled, so nobody could sign in']);
    // The default tenant is the file's top level: its record carries no overrides.
    expect(check.problems('carbon.super', { oauth: { token: { access_token_ttl: 900 } } })).toEqual([
      "settings: the default tenant (carbon.super) is served with the deployment file's top level; its settings are changed there, not per tenant",
    ]);
    expect(check.problems('carbon.super', {})).toEqual([]);
  });
});

describe('per-tenant settings at start-up', () => {
  const release = releaseAfterEach();

  it('refuses a [tenant."<domain>"] table whose authenticator properties are invalid, naming the tenant and the key', async () => {
    const start = startServer({ tenant: { 'acme.example': { event_listener: [{ id: 'private_key_jwt', properties: { RejectBeforeInMinutes: 'soon' } }] } } });
    start.then((server) => release(() => stopServer(server)), () => undefined);
    await expect(start).rejects.toThrow('tenant."acme.example".event_listener[0] id = "private_key_jwt": invalid properties: properties.RejectBeforeInMinutes = "soon": must be an integer');
  });

  it('refuses a table for the default tenant: its settings are the top level', async () => {
    const start = startServer({ tenant: { 'carbon.super': { oauth: { token: { access_token_ttl: 900 } } } } });
    start.then((server) => release(() => stopServer(server)), () => undefined);
    await expect(start).rejects.toThrow('tenant."carbon.super": the default tenant is served with the top level of this file; set these keys there');
  });

  it('refuses a key a tenant may not override', async () => {
    const start = startServer({ tenant: { 'acme.example': { oauth: { outbound: { allow_http: true } } } } });
    start.then((server) => release(() => stopServer(server)), () => undefined);
    await expect(start).rejects.toThrow('tenant."acme.example".oauth.outbound: not overridable per tenant');
  });
});
