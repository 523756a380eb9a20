import { IssuerContext } from '../common/issuer-context';
import { RequestContext } from '../common/request-context';
import { buildConfig } from '../config/config-loader';
import { PluginTenants } from './plugin-tenant';

/** A tenant's settings as the request context resolves them: the file's entries, then the tenant's (tenant-settings). */
function tenantContext(issuers: IssuerContext, domain: string, extra: Record<string, unknown>): RequestContext {
  return new RequestContext(domain, { parent: issuers.default, path: `/t/${domain}` }, { ...issuers.default.settings, ...extra });
}

describe('PluginTenants', () => {
  const config = buildConfig({ server: { base_url: 'https://id.example' }, event_listener: [{ id: 'pinned', name: './pinned.js', properties: { audience: 'file', keep: 1 } }] });
  const issuers = new IssuerContext(config);
  const tenants = new PluginTenants(issuers);
  const file = { audience: 'file', keep: 1 };

  it('gives the default tenant the file\'s properties', () => {
    const view = tenants.viewer({ kind: 'authenticator', listener: { id: 'pinned', name: './pinned.js' } }, file)();
    expect(view).toEqual({ domain: issuers.default.tenant, issuer: 'https://id.example', isDefault: true, properties: file });
    expect(Object.isFrozen(view.properties)).toBe(true);
  });

  it('merges a tenant\'s overrides of the entry over the file\'s, key by key, matched by id or module name', () => {
    const view = tenants.viewer({ kind: 'authenticator', listener: { id: 'pinned', name: './pinned.js' } }, file);
    const eventListeners = [...config.event_listener, { id: 'other', properties: { audience: 'not mine' } }, { name: './pinned.js', properties: { audience: 'tenant' } }];
    const seen = issuers.run(tenantContext(issuers, 'wso2.com', { eventListeners }), view);
    expect(seen).toEqual({ domain: 'wso2.com', issuer: 'https://id.example/t/wso2.com', isDefault: false, properties: { audience: 'tenant', keep: 1 } });
  });

  it('finds a login step\'s by its id; a grant\'s are the file\'s', () => {
    const loginSteps = [{ id: 'otp', properties: { digits: 6 } }, { id: 'otp', properties: { digits: 8 } }];
    const context = tenantContext(issuers, 'acme.example', { loginSteps });
    expect(issuers.run(context, tenants.viewer({ kind: 'login-step', id: 'otp' }, { digits: 6 })).properties).toEqual({ digits: 8 });
    expect(issuers.run(context, tenants.viewer({ kind: 'grant' }, { greeting: 'hello' })).properties).toEqual({ greeting: 'hello' });
  });

  it('builds one view per tenant and plugin, and none is shared between tenants', () => {
    const view = tenants.viewer({ kind: 'grant' }, {});
    const a = tenantContext(issuers, 'a.example', {});
    expect(issuers.run(a, view)).toBe(issuers.run(a, view));
    expect(issuers.run(tenantContext(issuers, 'b.example', {}), view).domain).toBe('b.example');
  });
});
