import Fastify from 'fastify';
import { request as httpRequest } from 'node:http';
import { buildConfig } from '../config/config-loader';
import { IssuerContext, issuerSettingsOf } from './issuer-context';
import { DEFAULT_TENANT, RequestContext } from './request-context';
import { installRequestContext } from './request-context.hook';

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

describe('installRequestContext: one hook pair serves every route', () => {
  it('runs each request in the context resolved for it, through body parsing and the handler\'s awaits', async () => {
    const issuers = issuerContext();
    const other = otherIssuer(issuers, 60);
    // The seam tenants fill: a path names the issuer.
    jest.spyOn(issuers, 'forRequest').mockImplementation((request) => (request.url.startsWith('/t/acme.example/') ? other : issuers.default));
    const fastify = Fastify();
    try {
      installRequestContext(fastify, issuers);
      const handler = async () => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return { tenant: issuers.tenant, ttl: issuers.settings.token.access_token_ttl };
      };
      fastify.post('/t/acme.example/oauth2/token', handler);
      fastify.post('/oauth2/token', handler);
      fastify.get('/t/acme.example/oauth2/jwks', handler);
      // Over a socket, the body sent after a pause: the body parser resumes the request from the socket's events.
      const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
      const [tenant, plain, get] = await Promise.all([slowPost(`${url}/t/acme.example/oauth2/token`), slowPost(`${url}/oauth2/token`), fetch(`${url}/t/acme.example/oauth2/jwks`).then((r) => r.json())]);
      expect(tenant).toEqual({ tenant: 'acme.example', ttl: 60 });
      expect(plain).toEqual({ tenant: DEFAULT_TENANT, ttl: issuers.default.settings.token.access_token_ttl });
      expect(get).toEqual({ tenant: 'acme.example', ttl: 60 });
    } finally {
      await fastify.close();
    }
  });
});
