import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { CompactEncrypt, importJWK, type CryptoKey, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import type { ClientView } from '../src/clients/clients.service';
import { IssuerContext } from '../src/common/issuer-context';
import { TenantDirectory } from '../src/common/tenant-directory';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { adminCall } from './support/admin-api';
import { writeText } from './support/certificates';
import { cli } from './support/cli';
import { keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { startLogged } from './support/logged-server';
import { TestBrowser } from './support/browser';
import { track } from './support/resources';
import { adminToken, createClient, startServer, stopServer, TestServer } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const s256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A loopback server handing out one request object per path (the client's `request_uri`). */
async function requestObjectServer(): Promise<{ url: string; put(path: string, jwt: string): string; hits(): number; close(): Promise<void> }> {
  const objects = new Map<string, string>();
  let count = 0;
  const server: Server = createServer((request, response) => {
    count++;
    const jwt = objects.get(request.url ?? '');
    if (!jwt) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' }).end(jwt);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    put: (path, jwt) => (objects.set(path, jwt), `${url}${path}`),
    hits: () => count,
    close: track(`request object stub on port ${port}`, async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }),
  };
}

/**
 * Request objects at the authorization endpoint (issue 27 item 1; RFC 9101, OIDC Core §6): by
 * value and by reference, signed with the client's registered keys, encrypted to grantry's keys;
 * refused with a foreign aud, expired, unsigned from a client registered with a signing alg, from
 * an unregistered or private-address request_uri, and when the outside client_id/response_type
 * disagree with the object (OIDC Core §6.1 under baseline).
 */
describe('request objects (RFC 9101, OIDC Core §6)', () => {
  let server: TestServer;
  let key: SigningKeyPair;
  let rp: ClientView;
  let unsignedRp: ClientView;
  let stub: Awaited<ReturnType<typeof requestObjectServer>>;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery' }, true));
    key = await keyPair('ES256');
    rp = await createClient(server, {
      client_name: 'JAR RP',
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
      redirect_uris: [REDIRECT],
      scope: 'openid profile',
      request_object_signing_alg: 'ES256',
      request_uris: ['https://rp.example/request.jwt', 'https://127.0.0.1/private.jwt'],
    });
    unsignedRp = await createClient(server, { client_name: 'Unsigned RP', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
    stub = await requestObjectServer();
  });
  afterAll(async () => {
    await stub?.close();
    await stopServer(server);
  });

  const authorize = (target: TestServer, params: Record<string, string>) => `${target.url}/oauth2/authorize?${new URLSearchParams(params)}`;
  const objectClaims = (target: TestServer, client: ClientView, extra: Record<string, unknown> = {}) => ({
    iss: client.client_id,
    aud: target.url,
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid',
    state: `st-${randomUUID()}`,
    code_challenge: s256('x'.repeat(43)),
    code_challenge_method: 'S256',
    ...extra,
  });
  /** OIDC Core §6.1 outside parameters: client_id, response_type, scope with openid. */
  const outside = (client: ClientView, extra: Record<string, string> = {}) => ({ client_id: client.client_id, response_type: 'code', scope: 'openid', ...extra });
  /** prompt=none in the object: the request is taken (state from the object) and answered login_required at once. */
  const promptNone = { prompt: 'none' };
  async function redirectOf(url: string): Promise<URL> {
    const answer = await new TestBrowser(server.url).request(url);
    expect(answer.status).toBe(303);
    return new URL(answer.location!);
  }

  it('takes a signed object by value (oauth4webapi issueRequestObject) through sign-in to a code and tokens', async () => {
    const as = await oauth.processDiscoveryResponse(new URL(server.url), await oauth.discoveryRequest(new URL(server.url), { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }));
    expect(as).toMatchObject({ request_parameter_supported: true, request_uri_parameter_supported: true, require_request_uri_registration: true });
    expect(as.request_object_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'PS256', 'none']));
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const request = await oauth.issueRequestObject(
      as,
      { client_id: rp.client_id },
      { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid profile', state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' },
      { key: key.privateKey, kid: key.kid },
    );
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(authorize(server, outside(rp, { request })));
    expect(login.status).toBe(200);
    let page = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
    if (!page.location?.startsWith(REDIRECT)) page = await browser.submit(page, { decision: 'approve' });
    const back = new URL(page.location!);
    expect(back.searchParams.get('state')).toBe(state);
    const params = oauth.validateAuthResponse(as, { client_id: rp.client_id }, back, state);
    const response = await oauth.authorizationCodeGrantRequest(as, { client_id: rp.client_id }, oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }), params, REDIRECT, verifier, {
      [oauth.allowInsecureRequests]: true,
    });
    const tokens = await oauth.processAuthorizationCodeResponse(as, { client_id: rp.client_id }, response, { requireIdToken: true });
    expect(tokens.scope).toBe('openid profile');
  });

  it('takes an object encrypted to the server\'s key (signed, then JWE)', async () => {
    const admin = await adminToken(server);
    const created = await adminCall(server.url, admin, 'POST', '/keys', { use: 'enc', alg: 'RSA-OAEP-256' });
    expect(created.status).toBe(201);
    const kid = (created.body as { kid: string }).kid;
    const jwk = ((await (await fetch(`${server.url}/oauth2/jwks`)).json()) as { keys: JWK[] }).keys.find((candidate) => candidate.kid === kid)!;
    const encryptionKey = (await importJWK(jwk, 'RSA-OAEP-256')) as CryptoKey;
    const claims = objectClaims(server, rp, promptNone);
    const jws = await signAssertion(key, claims);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid }).encrypt(encryptionKey);
    const back = await redirectOf(authorize(server, outside(rp, { request: jwe })));
    expect(back.searchParams.get('error')).toBe('login_required');
    expect(back.searchParams.get('state')).toBe(claims.state);
    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.request_object_encryption_alg_values_supported).toContain('RSA-OAEP-256');
  });

  describe('refusals', () => {
    const refusal = async (url: string) => {
      const back = await redirectOf(url);
      return { error: back.searchParams.get('error'), description: back.searchParams.get('error_description'), state: back.searchParams.get('state'), at: `${back.origin}${back.pathname}` };
    };

    it('refuses an object for another audience', async () => {
      const jwt = await signAssertion(key, objectClaims(server, rp, { aud: 'https://other.example' }));
      expect(await refusal(authorize(server, outside(rp, { request: jwt, redirect_uri: REDIRECT, state: 'outer' })))).toEqual({
        error: 'invalid_request_object', description: `assertion aud does not name this server (expected '${server.url}')`, state: 'outer', at: REDIRECT,
      });
    });

    it('refuses an expired object, and one living longer than max_lifetime', async () => {
      const expired = await signAssertion(key, objectClaims(server, rp, { iat: now() - 600, exp: now() - 300 }));
      expect((await refusal(authorize(server, outside(rp, { request: expired, redirect_uri: REDIRECT })))).description).toBe('assertion has expired');
      const long = await signAssertion(key, objectClaims(server, rp, { exp: now() + 7200 }));
      expect((await refusal(authorize(server, outside(rp, { request: long, redirect_uri: REDIRECT })))).description).toBe('assertion lifetime exceeds [oauth.request_object] max_lifetime = 3600 s');
    });

    const unsigned = (claims: Record<string, unknown>) => `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

    it('refuses alg none from a client registered with a signing alg, and takes it from one registered without (baseline)', async () => {
      const refused = await refusal(authorize(server, outside(rp, { request: unsigned(objectClaims(server, rp)), redirect_uri: REDIRECT })));
      expect(refused).toMatchObject({ error: 'invalid_request_object', description: 'this client registered request_object_signing_alg ES256: unsigned request objects are refused' });
      const claims = objectClaims(server, unsignedRp, promptNone);
      const back = await redirectOf(authorize(server, outside(unsignedRp, { request: unsigned(claims) })));
      expect(back.searchParams.get('error')).toBe('login_required');
      expect(back.searchParams.get('state')).toBe(claims.state);
    });

    it('refuses a signature by a key that is not the client\'s, saying nothing more', async () => {
      const stranger = await keyPair('ES256', key.kid);
      expect((await refusal(authorize(server, outside(rp, { request: await signAssertion(stranger, objectClaims(server, rp)), redirect_uri: REDIRECT })))).description).toBe(
        'the request object is invalid or its signature does not verify',
      );
    });

    it('refuses (OIDC Core §6.1) an outside client_id or response_type that differs from the object\'s, and an OpenID request without them outside', async () => {
      const jwt = await signAssertion(key, objectClaims(server, rp, { response_type: 'code' }));
      expect(await refusal(authorize(server, { ...outside(rp, { request: jwt, redirect_uri: REDIRECT }), response_type: 'code id_token' }))).toMatchObject({
        error: 'invalid_request', description: 'response_type differs between the request object and the request (OIDC Core 6.1)',
      });
      expect(await refusal(authorize(server, { client_id: rp.client_id, scope: 'openid', request: jwt, redirect_uri: REDIRECT }))).toMatchObject({
        error: 'invalid_request', description: 'response_type is required outside the request object (OIDC Core 6.1)',
      });
      const other = await signAssertion(key, objectClaims(server, rp, { client_id: unsignedRp.client_id }));
      expect(await refusal(authorize(server, outside(rp, { request: other, redirect_uri: REDIRECT })))).toMatchObject({
        error: 'invalid_request_object', description: 'the request object client_id differs from the client_id parameter',
      });
    });

    it('shows an error page, never a redirect, while no registered redirect URI is named', async () => {
      const answer = await new TestBrowser(server.url).request(authorize(server, outside(rp, { request: 'not-a-jwt', redirect_uri: 'https://evil.example/cb' })));
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.html).toContain('invalid_request_object');
    });

    it('refuses a request_uri the client did not register, and one at a private address (no fetch)', async () => {
      const before = stub.hits();
      const unregistered = stub.put('/unregistered.jwt', await signAssertion(key, objectClaims(server, rp)));
      expect(await refusal(authorize(server, outside(rp, { request_uri: unregistered, redirect_uri: REDIRECT })))).toMatchObject({
        error: 'invalid_request_uri', description: 'request_uri is not registered for this client (request_uris)',
      });
      expect(await refusal(authorize(server, outside(rp, { request_uri: 'https://127.0.0.1/private.jwt', redirect_uri: REDIRECT })))).toMatchObject({
        error: 'invalid_request_uri', description: 'the request object could not be fetched from request_uri',
      });
      expect(stub.hits()).toBe(before);
    });

    it('logs why a request_uri was refused: the private-address block of the outbound rules (the answer does not say)', async () => {
      const logged = await startLogged();
      try {
        const client = await createClient(logged, { client_name: 'p', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid', request_uris: ['https://10.0.0.1/ro.jwt', 'https://[::1]/ro.jwt'] });
        for (const uri of ['https://10.0.0.1/ro.jwt', 'https://[::1]/ro.jwt']) {
          const answer = await new TestBrowser(logged.url).request(authorize(logged, outside(client, { request_uri: uri, redirect_uri: REDIRECT })));
          expect(new URL(answer.location!).searchParams.get('error_description')).toBe('the request object could not be fetched from request_uri');
          expect(logged.lines.some((line) => line.includes(uri) && line.includes('refusing a loopback, private or link-local address'))).toBe(true);
        }
      } finally {
        await stopServer(logged);
      }
    });

    it('leaves a pushed-request URN to PAR: one never pushed is invalid_request_uri on an error page, nothing fetched', async () => {
      const answer = await new TestBrowser(server.url).request(authorize(server, outside(rp, { request_uri: 'urn:ietf:params:oauth:request_uri:abc', redirect_uri: REDIRECT })));
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.html).toContain('invalid_request_uri');
    });
  });

  describe('by reference, with the outbound exceptions a test needs (http, loopback)', () => {
    let lax: TestServer;
    let laxRp: ClientView;
    beforeAll(async () => {
      // Registration takes https request_uris only; the loopback stub serves http, so registration is not required here.
      lax = await startServer({ oauth: { outbound: { allow_http: true, allow_private_networks: true }, request_object: { require_request_uri_registration: false } } });
      laxRp = await createClient(lax, { client_name: 'JAR RP', grant_types: ['authorization_code'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, redirect_uris: [REDIRECT], scope: 'openid' });
    });
    afterAll(() => stopServer(lax));

    it('fetches a signed object from request_uri and takes its parameters', async () => {
      const claims = objectClaims(lax, laxRp, promptNone);
      const uri = stub.put(`/${randomBytes(8).toString('hex')}.jwt`, await signAssertion(key, claims));
      const answer = await new TestBrowser(lax.url).request(authorize(lax, outside(laxRp, { request_uri: uri })));
      expect(answer.status).toBe(303);
      const back = new URL(answer.location!);
      expect(back.searchParams.get('error')).toBe('login_required');
      expect(back.searchParams.get('state')).toBe(claims.state);
      const metadata = (await (await fetch(`${lax.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(metadata.require_request_uri_registration).toBe(false);
    });

    it('refuses a request_uri that answers 404', async () => {
      const answer = await new TestBrowser(lax.url).request(authorize(lax, outside(laxRp, { request_uri: `${stub.url}/missing.jwt`, redirect_uri: REDIRECT })));
      expect(new URL(answer.location!).searchParams.get('error')).toBe('invalid_request_uri');
    });
  });

  it('in a tenant, aud is the tenant\'s issuer: an object for the default issuer is refused there', async () => {
    const superAdmin = await adminToken(server, { superAdmin: true });
    expect((await adminCall(server.url, superAdmin, 'POST', '/tenants', { domain: 'jar.example' })).status).toBe(201);
    const issuers = server.app.get(IssuerContext);
    const state = await server.app.get(TenantDirectory).find('jar.example');
    const tenantRp = await issuers.run(await issuers.forTenant(state!), () =>
      createClient(server, { client_name: 'tenant RP', grant_types: ['authorization_code'], jwks: { keys: [key.publicJwk] }, redirect_uris: [REDIRECT], scope: 'openid' }),
    );
    const tenantIssuer = `${server.url}/t/jar.example`;
    const at = (claims: Record<string, unknown>) => `${tenantIssuer}/oauth2/authorize?${new URLSearchParams(outside(tenantRp, { request: '', redirect_uri: REDIRECT, ...claims } as Record<string, string>))}`;
    const foreign = await signAssertion(key, objectClaims(server, tenantRp, promptNone));
    const refused = new URL((await new TestBrowser(server.url).request(at({ request: foreign }))).location!);
    expect(refused.searchParams.get('error')).toBe('invalid_request_object');
    const own = await signAssertion(key, objectClaims(server, tenantRp, { ...promptNone, aud: tenantIssuer }));
    const taken = new URL((await new TestBrowser(server.url).request(at({ request: own }))).location!);
    expect(taken.searchParams.get('error')).toBe('login_required');
    expect(taken.searchParams.get('iss')).toBe(tenantIssuer);
  });

  describe('client metadata: request_object_signing_alg and request_uris', () => {
    it('the admin API stores and shows them, and refuses an http request_uri or an HMAC alg without a client secret', async () => {
      const admin = await adminToken(server);
      const base = { client_name: 'm', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], jwks: { keys: [key.publicJwk] } };
      const created = await adminCall(server.url, admin, 'POST', '/clients', { ...base, request_object_signing_alg: 'PS256', request_uris: ['https://rp.example/ro.jwt#v1'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ request_object_signing_alg: 'PS256', request_uris: ['https://rp.example/ro.jwt#v1'] });
      expect((await adminCall(server.url, admin, 'POST', '/clients', { ...base, request_uris: ['http://rp.example/ro.jwt'] })).body).toMatchObject({
        error: 'invalid_client_metadata', error_description: 'request_uris must be https URLs: http://rp.example/ro.jwt',
      });
      // OIDC Core §10.1: an HMAC object is keyed with a client secret, which a private_key_jwt client has not.
      expect((await adminCall(server.url, admin, 'POST', '/clients', { ...base, token_endpoint_auth_method: 'private_key_jwt', request_object_signing_alg: 'HS256' })).body).toMatchObject({ error: 'invalid_client_metadata' });
    });

    it('registration (RFC 7591) takes them and refuses an alg off the allow-list', async () => {
      const open = await startServer({ oauth: { registration: { open: true } } });
      try {
        const register = (body: object) => fetch(`${open.url}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const ok = await register({ redirect_uris: [REDIRECT], jwks: { keys: [key.publicJwk] }, request_object_signing_alg: 'ES256', request_uris: ['https://rp.example/ro.jwt'] });
        expect(ok.status).toBe(201);
        expect(await ok.json()).toMatchObject({ request_object_signing_alg: 'ES256', request_uris: ['https://rp.example/ro.jwt'] });
        const bad = await register({ redirect_uris: [REDIRECT], request_object_signing_alg: 'RS1' });
        expect(bad.status).toBe(400);
        expect(await bad.json()).toMatchObject({ error: 'invalid_client_metadata' });
      } finally {
        await stopServer(open);
      }
    });

    it('the CLI sets and clears them', async () => {
      const db = server.db;
      const schema = db.schema ? `schema = "${db.schema}"\n` : '';
      const config = writeText(db.dir, `deployment-${randomBytes(4).toString('hex')}.toml`, `[database]\nurl = "${db.url}"\n${schema}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
      const run = (...args: string[]) => cli([...args, '--config', config, '--json'], { TEST_MASTER_KEY: db.masterKey });
      const created = await run('clients', 'create', '--name', 'cli-jar', '--grant-type', 'authorization_code', '--redirect-uri', REDIRECT, '--request-uri', 'https://rp.example/a.jwt', '--request-uri', 'https://rp.example/b.jwt', '--request-object-signing-alg', 'ES256');
      expect(created.stderr).toBe('');
      const client = JSON.parse(created.stdout);
      expect(client).toMatchObject({ request_uris: ['https://rp.example/a.jwt', 'https://rp.example/b.jwt'], request_object_signing_alg: 'ES256' });
      const updated = JSON.parse((await run('clients', 'update', client.client_id, '--no-request-uri', '--any-request-object-signing-alg')).stdout);
      expect(updated).toMatchObject({ request_uris: [], request_object_signing_alg: null });
    });
  });
});
