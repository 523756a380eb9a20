import { buildConfig, ConfigError, inspectConfig, parseConfigText } from './config-loader';
import { isTenantDomain, mergeEntries, resolveTenantSettings, TenantSettingsError, tenantOverrideProblems } from './tenant-settings';

const FILE = `
[oauth.token]
access_token_ttl = 1800
[oauth.grant_type.password]
enable = true
[[event_listener]]
id = "private_key_jwt_authenticator"
order = "899"
[event_listener.properties]
PreventTokenReuse = false
RejectBeforeInMinutes = "100"

[tenant."wso2.com"]
oauth.token.access_token_ttl = 900
oauth.token.refresh_token_ttl = "7200"
oauth.pkce.allow_plain = "true"
oauth.grant_type.password.enable = false
oauth.grant_type.client_credentials.order = 50

[[tenant."wso2.com".event_listener]]
id = "private_key_jwt"
[tenant."wso2.com".event_listener.properties]
PreventTokenReuse = true
TokenEndpointAlias = "https://wso2.example/token"
`;

const config = () => buildConfig(parseConfigText(FILE), { env: {} });

describe('per-tenant settings: [tenant."<domain>"] and the admin API over the file', () => {
  it('merges defaults, the file, the tenant table and the admin overrides, naming the source of each value', () => {
    const { settings, sources } = resolveTenantSettings(config(), 'wso2.com', { oauth: { token: { refresh_token_ttl: 600 }, registration: { open: true } } });
    expect(settings.token).toMatchObject({ access_token_ttl: 900, refresh_token_ttl: 600, refresh_token_absolute_ttl: 2592000, signing_alg: 'RS256' });
    expect(settings.pkce).toEqual({ required: true, allow_plain: true });
    expect(settings.registration.open).toBe(true);
    expect(sources).toMatchObject({
      'oauth.token.access_token_ttl': 'tenant-file',
      'oauth.token.refresh_token_ttl': 'tenant-admin',
      'oauth.token.refresh_token_absolute_ttl': 'default',
      'oauth.pkce.allow_plain': 'tenant-file',
      'oauth.pkce.required': 'default',
      'oauth.registration.open': 'tenant-admin',
      'oauth.grant_type.password.enable': 'tenant-file',
      'oauth.grant_type.client_credentials.order': 'tenant-file',
      'event_listener[0]': 'file',
      'event_listener[1]': 'tenant-file',
    });
    expect(settings.grantTypes.password?.enable).toBe(false);
    expect(settings.grantTypes.client_credentials).toMatchObject({ order: 50 });
  });

  it('says "file" for what the file set and "default" for what it did not', () => {
    const { sources } = resolveTenantSettings(config(), 'example.org');
    expect(sources['oauth.token.access_token_ttl']).toBe('file');
    expect(sources['oauth.token.refresh_token_ttl']).toBe('default');
    expect(sources['oauth.grant_type.password.enable']).toBe('file');
  });

  it('lets the admin API win over the tenant table, entry by entry (properties key by key)', () => {
    const { settings } = resolveTenantSettings(config(), 'wso2.com', {
      oauth: { token: { access_token_ttl: 300 }, grant_type: { password: { enable: true } } },
      event_listener: [{ name: 'org.wso2.carbon.identity.oauth2.token.handler.clientauth.jwt.PrivateKeyJWTClientAuthenticator', properties: { PreventTokenReuse: 'false' } }],
    });
    expect(settings.token.access_token_ttl).toBe(300);
    expect(settings.grantTypes.password?.enable).toBe(true);
    // The file's, the tenant table's and the admin API's entries, in that order; read merged, the later wins
    // (properties as written: the authenticator they configure reads "false" as false).
    expect(settings.eventListeners).toHaveLength(3);
    const matchesPkjwt = (entry: { id?: string; name?: string }) => ['private_key_jwt_authenticator', 'private_key_jwt'].includes(entry.id ?? '') || !!entry.name?.endsWith('PrivateKeyJWTClientAuthenticator');
    expect(mergeEntries(settings.eventListeners, matchesPkjwt)).toMatchObject({
      order: 899,
      properties: { PreventTokenReuse: 'false', RejectBeforeInMinutes: '100', TokenEndpointAlias: 'https://wso2.example/token' },
    });
  });

  it('resolves a tenant without overrides to the file\'s values', () => {
    const file = config();
    const { settings } = resolveTenantSettings(file, 'example.org', {});
    expect(settings.token).toEqual({ ...file.oauth.token });
    expect(settings.eventListeners).toEqual(file.event_listener);
    expect(settings.grantTypes).toEqual(file.oauth.grant_type);
  });

  it('refuses a key outside the list by its name, as not overridable per tenant', () => {
    expect(tenantOverrideProblems({ oauth: { token: { signing_alg: 'ES256', access_token_ttl: 60 } }, server: { port: 1 }, database: {} })).toEqual([
      'server: not overridable per tenant (overridable: oauth.token, oauth.oidc.id_token, oauth.pkce, oauth.registration, oauth.profile, oauth.grant_type.<id>, [[event_listener]], [[login.authenticator]])',
      'database: not overridable per tenant (overridable: oauth.token, oauth.oidc.id_token, oauth.pkce, oauth.registration, oauth.profile, oauth.grant_type.<id>, [[event_listener]], [[login.authenticator]])',
      'oauth.token.signing_alg: not overridable per tenant (overridable here: access_token_ttl, refresh_token_ttl, refresh_token_absolute_ttl)',
    ]);
    expect(tenantOverrideProblems({ oauth: { outbound: { allow_http: true } } })[0]).toMatch(/^oauth\.outbound: not overridable per tenant/);
    expect(tenantOverrideProblems({ login: { authenticator: [{ id: 'password', module: './evil.js' }] } })).toEqual([
      'login.authenticator[0].module: not overridable per tenant (overridable here: id, enable, order, properties)',
    ]);
    expect(tenantOverrideProblems({ oauth: { grant_type: { password: { enable: true, grant_handler: './x.js' } } } })).toEqual([
      'oauth.grant_type.password.grant_handler: not overridable per tenant (overridable here: enable, order)',
    ]);
  });

  it('checks values with the top level\'s rules', () => {
    expect(tenantOverrideProblems({ oauth: { token: { access_token_ttl: 0, refresh_token_ttl: 'soon' }, pkce: { required: 'maybe' } } })).toEqual([
      'oauth.token.access_token_ttl = 0: must not be less than 1',
      'oauth.token.refresh_token_ttl = "soon": must be an integer',
      'oauth.pkce.required = "maybe": must be true or false',
    ]);
    expect(tenantOverrideProblems({ oauth: { grant_type: { pasword: { enable: true } } } })[0]).toMatch(/^oauth\.grant_type\.pasword: unknown grant \(did you mean password\?\)/);
    expect(tenantOverrideProblems({ event_listener: [{ enable: false }] })).toEqual(['event_listener[0]: needs an id or a name (the authenticator it overrides)']);
    expect(tenantOverrideProblems({ event_listener: [{ id: 'none', properties: { __proto__x: 1, constructor: {} } }] })).toEqual(['event_listener[0].properties.constructor: not a setting']);
    expect(tenantOverrideProblems('900')).toEqual(['settings: must be a table']);
    expect(tenantOverrideProblems({})).toEqual([]);
  });

  it('refuses the file\'s tenant tables at start-up, naming each bad key and bad domain', () => {
    const text = `
[tenant."Wso2.com"]
oauth.token.access_token_ttl = 60
[tenant."a..b"]
[tenant."${'x'.repeat(64)}.com"]
[tenant."ok.example"]
oauth.token.format = "opaque"
keys.rotation_grace_period = 1
`;
    const { problems } = inspectConfig(parseConfigText(text), { env: {} });
    const rule = 'a tenant domain is lower-case dot-separated labels of a-z, 0-9 and inner hyphens, 1 to 63 characters each, at most 64 in all';
    expect(problems).toEqual([
      `tenant."Wso2.com": not a tenant domain (${rule})`,
      `tenant."a..b": not a tenant domain (${rule})`,
      `tenant."${'x'.repeat(64)}.com": not a tenant domain (${rule})`,
      'tenant."ok.example".keys: not overridable per tenant (overridable: oauth.token, oauth.oidc.id_token, oauth.pkce, oauth.registration, oauth.profile, oauth.grant_type.<id>, [[event_listener]], [[login.authenticator]])',
      'tenant."ok.example".oauth.token.format: not overridable per tenant (overridable here: access_token_ttl, refresh_token_ttl, refresh_token_absolute_ttl)',
    ]);
    expect(() => buildConfig(parseConfigText(text), { env: {} })).toThrow(ConfigError);
  });

  it('lets a tenant switch the file\'s drop-in grant by its name, but not one the file switched off (never loaded)', () => {
    const file = buildConfig(
      parseConfigText(`
[[oauth.custom_grant_type]]
name = "urn:example:demo"
grant_handler = "./demo.js"
[[oauth.custom_grant_type]]
name = "urn:example:off"
grant_handler = "./off.js"
enable = false
`),
      { env: {} },
    );
    expect(tenantOverrideProblems({ oauth: { grant_type: { 'urn:example:demo': { enable: false } } } }, file)).toEqual([]);
    expect(tenantOverrideProblems({ oauth: { grant_type: { 'urn:example:off': { enable: true } } } }, file)).toEqual([
      'oauth.grant_type.urn:example:off.enable = true: the file switches this drop-in grant off, so it is not loaded and no tenant can switch it on',
    ]);
  });

  it('throws naming the problems when stored admin overrides are invalid', () => {
    expect(() => resolveTenantSettings(config(), 'wso2.com', { server: {} })).toThrow(TenantSettingsError);
  });

  it.each([
    ['wso2.com', true],
    ['carbon.super', true],
    ['a-b.c1', true],
    ['-a.com', false],
    ['a-.com', false],
    ['x', true],
    ['WSO2.com', false],
    ['', false],
    ['a..b', false],
    ['.a', false],
    ['a_b.com', false],
    [`${'a'.repeat(62)}.b`, true],
    [`${'a'.repeat(63)}.b`, false],
    [`${'a'.repeat(63)}`, true],
    [`${'a'.repeat(64)}`, false],
    [`${'a'.repeat(32)}.${'b'.repeat(32)}`, false],
  ])('domain %j is a tenant domain: %s', (domain, valid) => {
    expect(isTenantDomain(domain)).toBe(valid);
  });
});
