import Fastify from 'fastify';
import { request as httpRequest } from 'node:http';
import { buildConfig } from '../config/config-loader';
import { IssuerContext, issuerSettingsOf } from './issuer-context';
import { DEFAULT_TENANT, RequestContext } from './request-context';
import { installRequestContext, tenantPathRewriter } from './request-context.hook';
import { TenantDirectory, TenantState } from './tenant-directory';

function issuerContext(toml: Record<string, unknown> = {}): IssuerContext {
  return new IssuerContext(buildConfig({ server: { base_url: 'https://id.example.com' }, ...toml }, { env: {} }));
}

/** A second issuer beside the default one, as a tenant will be: its own issuer URL and settings. */
function otherIssuer(issuers: IssuerContext, accessTokenTtl: number): RequestContext {
  const settings = issuerSettingsOf(buildConfig({ oauth: { token: { access_token_ttl: accessTokenTtl } } }, { env: {} }));
  const other = new RequestContext('acme.example', 'https://id.example.com/t/acme.example', settings);
  expect(other).not.toBe(issuers.default);
  return other;
}

describe('IssuerContext: the request context of whoever asks', () => {
  it('answers the default issuer outside any request: the file\'s base_url, tenant and settings', () => {
    const issuers = issuerContext({ oauth: { token: { access_token_ttl: 900 } } });
    expect(issuers.tenant).toBe(DEFAULT_TENANT);
    expect(issuers.issuer).toBe('https://id.example.com');
    expect(issuers.tokenEndpoint).toBe('https://id.example.com/oauth2/token');
    expect(issuers.settings.token.access_token_ttl).toBe(900);
    expect(issuers.current).toBe(issuers.default);
  });

  it('keeps two contexts in one process apart, through every await of the work run in each', async () => {
    const issuers = issuerContext({ oauth: { token: { access_token_ttl: 900 } } });
    const other = otherIssuer(issuers, 60);
    const seen = async (label: string) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await Promise.resolve();
      return { label, tenant: issuers.tenant, issuer: issuers.issuer, ttl: issuers.settings.token.access_token_ttl, key: issuers.key('client-1') };
    };
    // Interleaved: each awaits while the other runs.
    const [a, b] = await Promise.all([issuers.run(other, () => seen('other')), issuers.run(issuers.default, () => seen('default'))]);
    expect(a).toEqual({ label: 'other', tenant: 'acme.example', issuer: 'https://id.example.com/t/acme.example', ttl: 60, key: 'acme.example\u0000client-1' });
    expect(b).toEqual({ label: 'default', tenant: DEFAULT_TENANT, issuer: 'https://id.example.com', ttl: 900, key: `${DEFAULT_TENANT}\u0000client-1` });
    // Nested: the default issuer's work inside another's sees the default one.
    expect(await issuers.run(other, () => issuers.run(issuers.default, () => seen('nested')))).toMatchObject({ tenant: DEFAULT_TENANT });
    expect(issuers.current).toBe(issuers.default);
  });

  it('memoises per issuer: what one issuer derived is never another\'s', () => {
    const issuers = issuerContext();
    const other = otherIssuer(issuers, 60);
    const slot = Symbol('test document');
    let built = 0;
    const document = () => issuers.current.memoised(slot, () => ({ issuer: issuers.issuer, n: ++built }));
    const first = document();
    expect(document()).toBe(first);
    const others = issuers.run(other, document);
    expect(others).toEqual({ issuer: 'https://id.example.com/t/acme.example', n: 2 });
    expect(issuers.run(other, document)).toBe(others);
    expect(document()).toBe(first);
  });

  it('knows no issuer before the server listens when base_url is unset, then the listening address', () => {
    const issuers = new IssuerContext(buildConfig({ server: { port: 0 } }, { env: {} }));
    expect(issuers.tenant).toBe(DEFAULT_TENANT);
    expect(() => issuers.issuer).toThrow(/not known before the server listens/);
    issuers.bindListeningAddress('http://127.0.0.1:4000/');
    expect(issuers.jwksUri).toBe('http://127.0.0.1:4000/oauth2/jwks');
  });
});

/** A JSON POST whose body follows its headers 50 ms later, as from a slow client; resolves to the parsed answer. */
function slowPost(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ a: 'x'.repeat(1000) });
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(JSON.parse(text))).on('error', reject);
    });
    request.on('error', reject);
    request.flushHeaders();
    setTimeout(() => request.end(body), 50);
  });
}

/** The tenants a test names, as the tenants module's directory would answer (no database needed for the routing). */
class FixedTenants extends TenantDirectory {
  constructor(private readonly states: TenantState[]) {
    super();
  }

  async find(domain: string): Promise<TenantState | undefined> {
    return this.states.find((state) => state.domain === domain);
  }
}

describe('installRequestContext: one hook serves every route, for every tenant', () => {
  const config = buildConfig({ server: { base_url: 'https://id.example.com' }, oauth: { token: { access_token_ttl: 900 } } }, { env: {} });
  const directory = new FixedTenants([
    { domain: 'acme.example', enabled: true, version: 1, settings: {} },
    { domain: 'off.example', enabled: false, version: 1, settings: {} },
  ]);

  async function served(issuers: IssuerContext, work: (url: string) => Promise<void>): Promise<void> {
    const fastify = Fastify({ rewriteUrl: tenantPathRewriter });
    try {
      installRequestContext(fastify, issuers);
      const handler = async (request: { url: string }) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return { tenant: issuers.tenant, issuer: issuers.issuer, url: request.url };
      };
      fastify.post('/oauth2/token', handler);
      fastify.get('/oauth2/jwks', handler);
      fastify.get('/oauth2/authorize', handler);
      fastify.get('/health', handler);
      fastify.get('/.well-known/oauth-authorization-server', handler);
      await work(await fastify.listen({ port: 0, host: '127.0.0.1' }));
    } finally {
      await fastify.close();
    }
  }

  it('runs each request in its tenant\'s context, through body parsing and the handler\'s awaits', async () => {
    const issuers = new IssuerContext(config, directory);
    await served(issuers, async (url) => {
      // Over a socket, the body sent after a pause: the body parser resumes the request from the socket's events.
      const [tenant, plain, byParameter, get] = await Promise.all([
        slowPost(`${url}/t/acme.example/oauth2/token`),
        slowPost(`${url}/oauth2/token`),
        slowPost(`${url}/oauth2/token?tenantDomain=acme.example`),
        fetch(`${url}/t/acme.example/oauth2/jwks?x=1`).then((r) => r.json()),
      ]);
      const acme = { tenant: 'acme.example', issuer: 'https://id.example.com/t/acme.example' };
      expect(tenant).toEqual({ ...acme, url: '/oauth2/token' });
      expect(plain).toEqual({ tenant: DEFAULT_TENANT, issuer: 'https://id.example.com', url: '/oauth2/token' });
      expect(byParameter).toEqual({ ...acme, url: '/oauth2/token?tenantDomain=acme.example' });
      expect(get).toEqual({ ...acme, url: '/oauth2/jwks?x=1' });
      // RFC 8414 §3.1: the well-known segment goes before the issuer's path.
      expect(await (await fetch(`${url}/.well-known/oauth-authorization-server/t/acme.example`)).json()).toMatchObject(acme);
      // The default tenant's own domain is the default path.
      expect(await (await fetch(`${url}/t/${DEFAULT_TENANT}/oauth2/jwks`)).json()).toMatchObject({ tenant: DEFAULT_TENANT, issuer: 'https://id.example.com' });
    });
  });

  it('answers an unknown, disabled or contradictory tenant with an RFC 6749 error, never as the default tenant', async () => {
    const issuers = new IssuerContext(config, directory);
    await served(issuers, async (url) => {
      const answer = async (path: string, init?: RequestInit) => {
        const response = await fetch(`${url}${path}`, { redirect: 'manual', ...init });
        return { status: response.status, body: response.status === 200 || response.headers.get('content-type')?.includes('json') ? await response.json() : undefined, location: response.headers.get('location') };
      };
      expect(await answer('/t/nobody.example/oauth2/jwks')).toMatchObject({ status: 404, body: { error: 'invalid_request', error_description: 'tenant \'nobody.example\' does not exist' } });
      expect(await answer('/oauth2/token?tenantDomain=nobody.example', { method: 'POST' })).toMatchObject({ status: 404, body: { error: 'invalid_request' } });
      expect(await answer('/t/off.example/oauth2/jwks')).toMatchObject({ status: 403, body: { error: 'invalid_request', error_description: 'tenant \'off.example\' is disabled' } });
      expect(await answer('/t/acme.example/oauth2/jwks?tenantDomain=other.example')).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await answer('/oauth2/jwks?tenantDomain=acme.example&tenantDomain=x.example')).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await answer('/oauth2/jwks?tenantDomain=')).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await answer('/t/acme.example/oauth2/jwks?tenantDomain=acme.example')).toMatchObject({ status: 200, body: { tenant: 'acme.example' } });
      // Health belongs to the process.
      expect(await answer('/t/acme.example/health')).toMatchObject({ status: 404 });
      expect(await answer('/health')).toMatchObject({ status: 200 });
      // A browser endpoint is sent to the tenant's path, so its pages and cookies are the tenant's.
      expect(await answer('/oauth2/authorize?client_id=c&tenantDomain=acme.example&state=s')).toMatchObject({
        status: 303,
        location: 'https://id.example.com/t/acme.example/oauth2/authorize?client_id=c&state=s',
      });
      expect(await answer('/oauth2/authorize?tenantDomain=nobody.example')).toMatchObject({ status: 404 });
    });
  });

  it('builds a tenant\'s context once per state of its record, and prepares it before it serves', async () => {
    const states: TenantState[] = [{ domain: 'acme.example', enabled: true, version: 1, settings: {} }];
    const issuers = new IssuerContext(config, new FixedTenants(states));
    const prepared: string[] = [];
    issuers.onTenantContext(async (context) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      prepared.push(`${context.tenant}:${issuers.tenant}`);
    });
    const first = await issuers.forDomain('acme.example');
    expect(await issuers.forDomain('acme.example')).toBe(first);
    expect(prepared).toEqual(['acme.example:acme.example']);
    // Changed, or deleted and created again (version 1 again): a state read anew is a new context.
    states[0] = { ...states[0] };
    expect(await issuers.forDomain('acme.example')).not.toBe(first);
    expect(prepared).toHaveLength(2);
    expect(await issuers.forDomain(DEFAULT_TENANT)).toBe(issuers.default);
  });
});
