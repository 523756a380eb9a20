import 'reflect-metadata';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import type { ClientView } from '../src/clients/clients.service';
import { KeyRing } from '../src/keys/key-ring';
import {
  AccessTokenGuard,
  AccessTokenPrincipal,
  RequiredScopes,
  ResourceServerModule,
  type ResourceServerOptions,
  SkipAccessToken,
} from '../src/resource-server';
import { keyPair, signAssertion, type SigningKeyPair } from './support/assertions';
import { selfSignedCertificate, writeText } from './support/certificates';
import { cli } from './support/cli';
import { rawRequest } from './support/raw-http';
import { releaseAfterEach } from './support/resources';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const AUDIENCE = 'https://orders.example';
const BARE_CHALLENGE = `Bearer realm="${AUDIENCE}"`;
const INVALID_TOKEN_BODY = { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' };
const INVALID_TOKEN_CHALLENGE = `Bearer realm="${AUDIENCE}", error="invalid_token", error_description="the access token is invalid, expired or revoked"`;

/** The sample API: what a team protecting its own Nest service would write. */
@Controller('orders')
@UseGuards(AccessTokenGuard)
class OrdersController {
  @Get()
  @RequiredScopes('orders:read')
  list(@AccessTokenPrincipal() principal: AccessTokenPrincipal): AccessTokenPrincipal {
    return principal;
  }

  @Get('write')
  @RequiredScopes('orders:read', 'orders:write')
  write(): { written: boolean } {
    return { written: true };
  }
}

/** Only for the global guard: one open route beside a protected one. */
@Controller('status')
class StatusController {
  @Get('open')
  @SkipAccessToken()
  open(): { open: boolean } {
    return { open: true };
  }

  @Get('closed')
  closed(): { open: boolean } {
    return { open: false };
  }
}

type Answer = { status: number; challenge: string | null; body: Record<string, unknown> };

/** Nest on Fastify, importing the module, on 127.0.0.1 port 0; closed after the test that made it. */
async function sampleApi(release: (close: () => Promise<unknown>) => void, options: ResourceServerOptions): Promise<string> {
  @Module({ imports: [ResourceServerModule.forRoot(options)], controllers: options.globalGuard ? [StatusController] : [OrdersController] })
  class SampleApiModule {}
  const app = await NestFactory.create<NestFastifyApplication>(SampleApiModule, new FastifyAdapter(), {
    logger: process.env.GRANTRY_TEST_LOGS ? ['fatal', 'error', 'warn', 'log', 'debug'] : false,
    abortOnError: false,
  });
  release(() => app.close());
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

async function call(url: string, authorization?: string): Promise<Answer> {
  const response = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: (await response.json()) as Record<string, unknown> };
}

/**
 * An authorization server of our own keys on loopback: discovery, a JWKS and an RFC 7662
 * endpoint, each counted, each able to fail on demand (`status`); the JWKS is served at
 * `jwksPath` only, and the introspection answer is what `introspect` says, after `delayMs`.
 */
async function stubAuthority(release: (close: () => Promise<unknown>) => void, keys: JWK[]) {
  const control = {
    url: '',
    keys,
    jwksPath: '/jwks',
    status: { discovery: 200, jwks: 200 },
    hits: { discovery: 0, jwks: 0, introspection: 0 },
    introspect: (_token: string): Record<string, unknown> => ({ active: false }),
    delayMs: 0,
    setKeys: (next: JWK[]) => void (control.keys = next),
  };
  const json = { 'content-type': 'application/json' };
  const stub = createServer((request, response) => {
    if (request.url === '/.well-known/openid-configuration') {
      control.hits.discovery++;
      if (control.status.discovery !== 200) return void response.writeHead(control.status.discovery).end();
      const document = { issuer: control.url, jwks_uri: `${control.url}${control.jwksPath}`, introspection_endpoint: `${control.url}/introspect` };
      return void response.writeHead(200, json).end(JSON.stringify(document));
    }
    if (request.url === '/introspect') {
      control.hits.introspection++;
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const answer = control.introspect(new URLSearchParams(body).get('token') ?? '');
        setTimeout(() => response.writeHead(200, json).end(JSON.stringify(answer)), control.delayMs);
      });
      return;
    }
    if (request.url !== control.jwksPath) return void response.writeHead(404).end();
    control.hits.jwks++;
    if (control.status.jwks !== 200) return void response.writeHead(control.status.jwks).end();
    response.writeHead(200, json).end(JSON.stringify({ keys: control.keys }));
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  release(async () => {
    const closed = new Promise<void>((resolve) => stub.close(() => resolve()));
    stub.closeAllConnections();
    await closed;
  });
  control.url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  return control;
}

const bearer = (token: string) => `Bearer ${token}`;
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/**
 * grantry/resource-server (issue 12, item 6) against a real grantry: tokens from its token endpoint
 * (client_credentials through oauth4webapi), keys by Authority URL (discovery → JWKS) or by the
 * certificate `grantry keys export --cert` prints, RFC 6750 §3 refusals, RFC 7662 introspection.
 */
describe('resource-server guard', () => {
  let server: TestServer;
  let orders: ClientView;
  let admin: string;
  const release = releaseAfterEach();

  beforeAll(async () => {
    server = await startServer();
    admin = await adminToken(server);
    orders = await createClient(server, { grant_types: ['client_credentials'], scope: 'orders:read orders:write', audience: [AUDIENCE, 'https://billing.example'] });
  });
  afterAll(() => stopServer(server));

  /** A client_credentials token as a client library gets one. */
  async function token(client: ClientView, params: Record<string, string> = {}): Promise<string> {
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }));
    const rp = { client_id: client.client_id };
    const response = await oauth.clientCredentialsGrantRequest(as, rp, oauth.ClientSecretBasic(client.client_secret!), new URLSearchParams(params), {
      [oauth.allowInsecureRequests]: true,
    });
    return (await oauth.processClientCredentialsResponse(as, rp, response)).access_token;
  }

  /** A JWT signed by grantry's active key, with claims a test chooses (what the token endpoint never mints). */
  async function signedByGrantry(claims: Record<string, unknown>, typ = 'at+jwt'): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: server.url, sub: orders.client_id, aud: AUDIENCE, client_id: orders.client_id, scope: 'orders:read', iat: now, exp: now + 300, jti: randomUUID(), ...claims };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name as keyof typeof payload];
    return server.app.get(KeyRing).signer('RS256')!.sign(payload, typ);
  }

  async function rotate(): Promise<string> {
    const response = await fetch(`${server.url}/api/admin/v1/keys/rotate`, { method: 'POST', headers: { authorization: bearer(admin), 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(201);
    return ((await response.json()) as { kid: string }).kid;
  }

  /** `grantry keys export --cert` on the server's database, as an operator runs it; the PEM goes to a file. */
  async function exportCertificate(kid?: string): Promise<string> {
    const schema = server.db.schema ? `schema = "${server.db.schema}"\n` : '';
    const config = writeText(server.db.dir, `export-${randomBytes(4).toString('hex')}.toml`, `[database]\nurl = "${server.db.url}"\n${schema}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
    const { status, stdout, stderr } = await cli(['keys', 'export', '--cert', ...(kid ? ['--kid', kid] : []), '--config', config], { TEST_MASTER_KEY: server.db.masterKey });
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----\n$/);
    return writeText(server.db.dir, `grantry-${randomBytes(4).toString('hex')}.crt`, stdout);
  }

  const authority = (extra: Partial<ResourceServerOptions> = {}) =>
    ({ authority: server.url, audience: AUDIENCE, allowInsecureHttp: true, jwksRefetchCooldown: 1, ...extra }) as ResourceServerOptions;

  describe('by Authority URL (discovery, then the JWKS)', () => {
    it('accepts a grantry access token and hands the principal to the handler', async () => {
      const api = await sampleApi(release, authority());
      const accessToken = await token(orders, { scope: 'orders:read' });
      const { status, body } = await call(`${api}/orders`, bearer(accessToken));
      expect(status).toBe(200);
      const claims = claimsOf(accessToken);
      expect(body).toEqual({
        subject: orders.client_id,
        clientId: orders.client_id,
        scopes: ['orders:read'],
        audience: [AUDIENCE, 'https://billing.example'],
        issuer: server.url,
        expiresAt: claims.exp,
        issuedAt: claims.iat,
        jti: claims.jti,
        claims,
        senderConstraint: { kind: 'none' },
      });
    });

    it('answers a request without a token with 401 and a bare challenge (RFC 6750 §3.1)', async () => {
      const api = await sampleApi(release, authority());
      const expected = { status: 401, challenge: BARE_CHALLENGE, body: { error: 'unauthorized', error_description: 'a bearer access token is required' } };
      expect(await call(`${api}/orders`)).toEqual(expected);
      // Another scheme is no bearer token either: still no error code.
      expect(await call(`${api}/orders`, `Basic ${Buffer.from(`${orders.client_id}:${orders.client_secret}`).toString('base64')}`)).toEqual(expected);
    });

    it('answers a malformed or repeated Authorization header with 401 invalid_token, and a token by two methods with 400, as grantry\'s own endpoints do', async () => {
      const api = await sampleApi(release, authority());
      const valid = bearer(await token(orders, { scope: 'orders:read' }));
      const refused = { status: 401, challenge: INVALID_TOKEN_CHALLENGE, body: INVALID_TOKEN_BODY };
      // Two field lines, which fetch would join into one: through node:http.
      expect(await rawRequest(`${api}/orders`, { headers: { authorization: [valid, valid] } })).toEqual(refused);
      expect(await rawRequest(`${api}/orders`, { headers: { authorization: [valid, 'Bearer another-token'] } })).toEqual(refused);
      for (const authorization of [`${valid} x`, 'Bearer', `Bearer "${valid.slice(7)}"`]) expect(await rawRequest(`${api}/orders`, { headers: { authorization } })).toEqual(refused);
      const twice = 'the access token must be sent once, by one method';
      expect(await rawRequest(`${api}/orders?access_token=${valid.slice(7)}`, { headers: { authorization: valid } })).toEqual({
        status: 400,
        challenge: `Bearer realm="${AUDIENCE}", error="invalid_request", error_description="${twice}"`,
        body: { error: 'invalid_request', error_description: twice },
      });
      // The query alone is never read: no token.
      expect((await rawRequest(`${api}/orders?access_token=${valid.slice(7)}`)).challenge).toBe(BARE_CHALLENGE);
      // One header line with the token: accepted, one space or several (RFC 6750 §2.1: 1*SP).
      expect((await rawRequest(`${api}/orders`, { headers: { authorization: valid } })).status).toBe(200);
      expect((await rawRequest(`${api}/orders`, { headers: { authorization: valid.replace(' ', '   ') } })).status).toBe(200);
    });

    it('refuses a sender-constrained token presented as a bearer token (RFC 9449 §7.2, RFC 8705 §3)', async () => {
      const api = await sampleApi(release, authority());
      for (const cnf of [{ jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }, { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }, { jwk: { kty: 'EC' } }]) {
        expect(await call(`${api}/orders`, bearer(await signedByGrantry({ cnf })))).toEqual({ status: 401, challenge: INVALID_TOKEN_CHALLENGE, body: INVALID_TOKEN_BODY });
      }
      expect((await call(`${api}/orders`, bearer(await signedByGrantry({})))).status).toBe(200);
    });

    it('refuses a token for another audience with invalid_token', async () => {
      const billing = await createClient(server, { grant_types: ['client_credentials'], scope: 'orders:read', audience: ['https://billing.example'] });
      const api = await sampleApi(release, authority());
      expect(await call(`${api}/orders`, bearer(await token(billing)))).toEqual({ status: 401, challenge: INVALID_TOKEN_CHALLENGE, body: INVALID_TOKEN_BODY });
    });

    it('refuses JWTs that are not access tokens (RFC 9068 §4: typ at+jwt), even signed by grantry', async () => {
      const api = await sampleApi(release, authority());
      const foreign = await keyPair('RS256');
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: server.url, sub: orders.client_id, aud: AUDIENCE, client_id: orders.client_id, scope: 'orders:read', exp: now + 300 };
      const refused = [
        await signedByGrantry({}, 'JWT'), // an ID-token-like JWT of the right issuer and key
        await signAssertion(foreign, claims, { typ: 'JWT' }), // a foreign key, typ JWT
        await signAssertion(foreign, claims, { typ: 'at+jwt' }), // a foreign key that is not in the JWKS
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
        await signAssertion({ privateKey: randomBytes(32), alg: 'HS256' }, claims, { typ: 'at+jwt' }),
        'an-opaque-token-without-introspection',
      ];
      for (const accessToken of refused) {
        expect(await call(`${api}/orders`, bearer(accessToken))).toEqual({ status: 401, challenge: INVALID_TOKEN_CHALLENGE, body: INVALID_TOKEN_BODY });
      }
      expect((await call(`${api}/orders`, bearer(await signedByGrantry({})))).status).toBe(200);
    });

    it('refuses an expired token and one not valid yet, beyond the clock tolerance', async () => {
      const api = await sampleApi(release, authority({ clockTolerance: 5 }));
      const now = Math.floor(Date.now() / 1000);
      for (const accessToken of [await signedByGrantry({ iat: now - 120, exp: now - 60 }), await signedByGrantry({ nbf: now + 60 })]) {
        expect(await call(`${api}/orders`, bearer(accessToken))).toEqual({ status: 401, challenge: INVALID_TOKEN_CHALLENGE, body: INVALID_TOKEN_BODY });
      }
      // Within the tolerance: accepted.
      expect((await call(`${api}/orders`, bearer(await signedByGrantry({ exp: now - 2 })))).status).toBe(200);
    });

    it('answers a missing scope with 403 insufficient_scope naming the required scopes (RFC 6750 §3.1)', async () => {
      const api = await sampleApi(release, authority());
      const readOnly = await token(orders, { scope: 'orders:read' });
      const description = 'the access token lacks scope orders:write';
      expect(await call(`${api}/orders/write`, bearer(readOnly))).toEqual({
        status: 403,
        challenge: `Bearer realm="${AUDIENCE}", error="insufficient_scope", error_description="${description}", scope="orders:read orders:write"`,
        body: { error: 'insufficient_scope', error_description: description },
      });
      expect(await call(`${api}/orders/write`, bearer(await token(orders)))).toEqual({ status: 200, challenge: null, body: { written: true } });
    });

    it('follows a key rotation: a token of the new key is accepted once the cooldown allows a refetch', async () => {
      const api = await sampleApi(release, authority());
      const before = await token(orders);
      expect((await call(`${api}/orders`, bearer(before))).status).toBe(200);
      const kid = await rotate();
      const after = await token(orders);
      expect(JSON.parse(Buffer.from(after.split('.')[0], 'base64url').toString()).kid).toBe(kid);
      await sleep(1100); // jwksRefetchCooldown: 1
      expect((await call(`${api}/orders`, bearer(after))).status).toBe(200);
      // The previous key stays in the JWKS for the grace period: its tokens still verify.
      expect((await call(`${api}/orders`, bearer(before))).status).toBe(200);
    });

    it('guards every route with globalGuard, except those marked @SkipAccessToken()', async () => {
      const api = await sampleApi(release, authority({ globalGuard: true }));
      expect(await call(`${api}/status/open`)).toEqual({ status: 200, challenge: null, body: { open: true } });
      expect((await call(`${api}/status/closed`)).status).toBe(401);
      expect((await call(`${api}/status/closed`, bearer(await token(orders)))).status).toBe(200);
    });

    it('answers 503 when the authority cannot be reached: that is not the token’s fault', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const unreachable = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const api = await sampleApi(release, authority({ authority: unreachable }));
      expect(await call(`${api}/orders`, bearer(await token(orders)))).toEqual({
        status: 503,
        challenge: null,
        body: { error: 'temporarily_unavailable', error_description: 'the access token cannot be checked now; try again later' },
      });
    });

    it('refuses an http authority unless allowInsecureHttp is set', () => {
      expect(() => ResourceServerModule.forRoot({ authority: server.url, audience: AUDIENCE })).toThrow(
        'grantry/resource-server: authority must be an https URL (http only with allowInsecureHttp)',
      );
    });
  });

  describe('JWKS refetching for an unknown kid', () => {
    const accessToken = (key: SigningKeyPair, issuer: string) =>
      signAssertion(key, { iss: issuer, sub: 'alice', aud: AUDIENCE, client_id: 'app', scope: 'orders:read' }, { typ: 'at+jwt' });

    it('fetches again at most once per cooldown, however many unknown kids arrive', async () => {
      const first = await keyPair('ES256');
      const second = await keyPair('EdDSA');
      const stub = await stubAuthority(release, [first.publicJwk]);
      const api = await sampleApi(release, { authority: stub.url, audience: AUDIENCE, allowInsecureHttp: true, jwksRefetchCooldown: 2 });
      expect((await call(`${api}/orders`, bearer(await accessToken(first, stub.url)))).status).toBe(200);
      expect(stub.hits.jwks).toBe(1);

      stub.setKeys([first.publicJwk, second.publicJwk]);
      for (let i = 0; i < 5; i++) expect((await call(`${api}/orders`, bearer(await accessToken(second, stub.url)))).status).toBe(401);
      expect(stub.hits.jwks).toBe(1);

      await sleep(2100);
      expect((await call(`${api}/orders`, bearer(await accessToken(second, stub.url)))).status).toBe(200);
      expect(stub.hits.jwks).toBe(2);
    });
  });

  /** Issue 23 item 7: what a failing authority or a junk token may not take from valid tokens. */
  describe('when the authority fails, and against junk tokens', () => {
    const accessToken = (key: SigningKeyPair, issuer: string, claims: Record<string, unknown> = {}) =>
      signAssertion(key, { iss: issuer, sub: 'alice', aud: AUDIENCE, client_id: 'app', scope: 'orders:read', ...claims }, { typ: 'at+jwt' });
    const refused = { status: 401, challenge: INVALID_TOKEN_CHALLENGE, body: INVALID_TOKEN_BODY };

    it('keeps accepting valid tokens while grantry is stopped, though a token with a made-up kid prompted a refetch', async () => {
      const grantry = await startServer();
      let stopped = false;
      try {
        const client = await createClient(grantry, { grant_types: ['client_credentials'], scope: 'orders:read', audience: [AUDIENCE] });
        const { body } = await tokenRequest(grantry, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
        const valid = body.access_token as string;
        const api = await sampleApi(release, { authority: grantry.url, audience: AUDIENCE, allowInsecureHttp: true, jwksRefetchCooldown: 1 });
        expect((await call(`${api}/orders`, bearer(valid))).status).toBe(200);

        await stopServer(grantry);
        stopped = true;
        await sleep(1100); // jwksRefetchCooldown: the junk kid may prompt a fetch, which fails
        const junk = await accessToken({ ...(await keyPair('RS256')), kid: randomUUID() }, grantry.url);
        expect(await call(`${api}/orders`, bearer(junk))).toEqual(refused);
        for (let i = 0; i < 3; i++) expect((await call(`${api}/orders`, bearer(valid))).status).toBe(200);
      } finally {
        if (!stopped) await stopServer(grantry);
      }
    });

    it('survives a JWKS answering 500 once: only the token with the unknown kid is refused, and discovery is read again', async () => {
      const first = await keyPair('ES256');
      const second = await keyPair('EdDSA');
      const stub = await stubAuthority(release, [first.publicJwk]);
      const api = await sampleApi(release, { authority: stub.url, audience: AUDIENCE, allowInsecureHttp: true, jwksRefetchCooldown: 1 });
      expect((await call(`${api}/orders`, bearer(await accessToken(first, stub.url)))).status).toBe(200);

      stub.status.jwks = 500;
      await sleep(1100);
      expect(await call(`${api}/orders`, bearer(await accessToken(second, stub.url)))).toEqual(refused);
      expect(stub.hits.jwks).toBe(2);
      expect((await call(`${api}/orders`, bearer(await accessToken(first, stub.url)))).status).toBe(200);
      // The failed JWKS fetch sends the guard back to discovery (its jwks_uri may have moved).
      expect(stub.hits.discovery).toBe(2);

      // Once the JWKS answers again, a rotation is followed as usual.
      stub.status.jwks = 200;
      stub.setKeys([first.publicJwk, second.publicJwk]);
      await sleep(1100);
      expect((await call(`${api}/orders`, bearer(await accessToken(second, stub.url)))).status).toBe(200);
    });

    it('serves the last keys staleIfError seconds past their lifetime at most, then answers 503 until the authority is back', async () => {
      const key = await keyPair('ES256');
      const stub = await stubAuthority(release, [key.publicJwk]);
      const api = await sampleApi(release, { authority: stub.url, audience: AUDIENCE, allowInsecureHttp: true, jwksRefetchCooldown: 1, jwksCacheMaxAge: 1, staleIfError: 3 });
      expect((await call(`${api}/orders`, bearer(await accessToken(key, stub.url)))).status).toBe(200);
      stub.status.jwks = 500;
      await sleep(1100); // past the JWKS lifetime: fetched again, failing — the set serves on
      expect((await call(`${api}/orders`, bearer(await accessToken(key, stub.url)))).status).toBe(200);
      await sleep(3000); // past lifetime + staleIfError
      expect(await call(`${api}/orders`, bearer(await accessToken(key, stub.url)))).toEqual({
        status: 503,
        challenge: null,
        body: { error: 'temporarily_unavailable', error_description: 'the access token cannot be checked now; try again later' },
      });
      stub.status.jwks = 200;
      await sleep(1100);
      expect((await call(`${api}/orders`, bearer(await accessToken(key, stub.url)))).status).toBe(200);
    });

    it('reads the discovery document again after discoveryCacheMaxAge, keeping the last one while that fails', async () => {
      const first = await keyPair('ES256');
      const second = await keyPair('ES256');
      const stub = await stubAuthority(release, [first.publicJwk]);
      const api = await sampleApi(release, { authority: stub.url, audience: AUDIENCE, allowInsecureHttp: true, jwksRefetchCooldown: 1, discoveryCacheMaxAge: 1 });
      expect((await call(`${api}/orders`, bearer(await accessToken(first, stub.url)))).status).toBe(200);
      expect(stub.hits.discovery).toBe(1);

      stub.status.discovery = 500;
      await sleep(1100);
      expect((await call(`${api}/orders`, bearer(await accessToken(first, stub.url)))).status).toBe(200);
      expect(stub.hits.discovery).toBe(2);

      // The authority moved its JWKS: the next reading of discovery finds it.
      stub.status.discovery = 200;
      stub.jwksPath = '/keys/v2';
      stub.setKeys([second.publicJwk]);
      await sleep(1100);
      expect((await call(`${api}/orders`, bearer(await accessToken(second, stub.url)))).status).toBe(200);
      expect(stub.hits.discovery).toBe(3);
    });

    it('refuses an access token whose iat is in the future beyond the clock tolerance', async () => {
      const api = await sampleApi(release, authority({ clockTolerance: 5 }));
      const now = Math.floor(Date.now() / 1000);
      expect(await call(`${api}/orders`, bearer(await signedByGrantry({ iat: now + 120, exp: now + 600 })))).toEqual(refused);
      expect((await call(`${api}/orders`, bearer(await signedByGrantry({ iat: now + 3 })))).status).toBe(200);
    });

    describe('introspection', () => {
      const introspected = (stub: { url: string }, extra: Record<string, unknown> = {}) =>
        ({ authority: stub.url, audience: AUDIENCE, allowInsecureHttp: true, introspection: { clientId: 'rs', clientSecret: 'rs-secret', ...extra } }) as ResourceServerOptions;
      const activeAnswer = (stub: { url: string }, claims: Record<string, unknown> = {}) => {
        const now = Math.floor(Date.now() / 1000);
        return { active: true, iss: stub.url, sub: 'alice', client_id: 'app', aud: AUDIENCE, scope: 'orders:read', token_type: 'Bearer', iat: now, exp: now + 300, ...claims };
      };

      it('asks once for 200 identical junk opaque tokens arriving together', async () => {
        const stub = await stubAuthority(release, []);
        stub.delayMs = 300;
        const api = await sampleApi(release, introspected(stub));
        const answers = await Promise.all(Array.from({ length: 200 }, () => call(`${api}/orders`, bearer('junk-opaque-token'))));
        expect(answers).toEqual(Array(200).fill(refused));
        expect(stub.hits.introspection).toBe(1);
      });

      it('remembers an inactive answer for inactiveCacheTtl seconds, an active one not at all (cacheTtl 0)', async () => {
        const stub = await stubAuthority(release, []);
        let revoked = false;
        stub.introspect = (token) => (token === 'good-token' && !revoked ? activeAnswer(stub) : { active: false });
        const api = await sampleApi(release, introspected(stub, { inactiveCacheTtl: 2 }));

        for (let i = 0; i < 3; i++) expect(await call(`${api}/orders`, bearer('junk-token'))).toEqual(refused);
        expect(stub.hits.introspection).toBe(1);
        await sleep(2100);
        expect(await call(`${api}/orders`, bearer('junk-token'))).toEqual(refused);
        expect(stub.hits.introspection).toBe(2);

        // Active answers are asked for every time: a revocation is seen at the next request.
        expect((await call(`${api}/orders`, bearer('good-token'))).status).toBe(200);
        expect((await call(`${api}/orders`, bearer('good-token'))).status).toBe(200);
        expect(stub.hits.introspection).toBe(4);
        revoked = true;
        expect(await call(`${api}/orders`, bearer('good-token'))).toEqual(refused);
      });

      it('refuses an introspection answer whose iat is in the future', async () => {
        const stub = await stubAuthority(release, []);
        stub.introspect = () => activeAnswer(stub, { iat: Math.floor(Date.now() / 1000) + 120 });
        const api = await sampleApi(release, introspected(stub));
        expect(await call(`${api}/orders`, bearer('from-the-future'))).toEqual(refused);
      });
    });
  });

  describe('with introspection (RFC 7662)', () => {
    let resourceServer: ClientView;
    let caller: ClientView;
    let opaqueCaller: ClientView;

    beforeAll(async () => {
      // grantry lets a client introspect the tokens addressed to it: the API's client_id is the audience.
      resourceServer = await createClient(server, { client_name: 'orders API', grant_types: ['client_credentials'], scope: '' });
      caller = await createClient(server, { grant_types: ['client_credentials'], scope: 'orders:read', audience: [resourceServer.client_id] });
      opaqueCaller = await createClient(server, { grant_types: ['client_credentials'], scope: 'orders:read', audience: [resourceServer.client_id], access_token_format: 'opaque' });
    });

    const introspecting = (mode?: 'always' | 'opaque-only', secret = resourceServer.client_secret!) =>
      authority({ audience: resourceServer.client_id, introspection: { clientId: resourceServer.client_id, clientSecret: secret, ...(mode ? { mode } : {}) } });
    const revoke = async (client: ClientView, accessToken: string) => {
      const config = await openid.discovery(new URL(server.url), client.client_id, undefined, openid.ClientSecretBasic(client.client_secret!), { execute: [openid.allowInsecureRequests] });
      await openid.tokenRevocation(config, accessToken, { token_type_hint: 'access_token' });
    };
    const invalidToken = () => ({
      status: 401,
      challenge: `Bearer realm="${resourceServer.client_id}", error="invalid_token", error_description="the access token is invalid, expired or revoked"`,
      body: INVALID_TOKEN_BODY,
    });

    it('accepts an opaque token through introspection, with the principal grantry reports', async () => {
      const api = await sampleApi(release, introspecting());
      const accessToken = await token(opaqueCaller);
      expect(accessToken.split('.')).toHaveLength(1);
      const { status, body } = await call(`${api}/orders`, bearer(accessToken));
      expect(status).toBe(200);
      expect(body).toMatchObject({ subject: opaqueCaller.client_id, clientId: opaqueCaller.client_id, scopes: ['orders:read'], audience: [resourceServer.client_id], issuer: server.url });
    });

    it('refuses a revoked JWT at once when every token is introspected (the default)', async () => {
      const api = await sampleApi(release, introspecting());
      const accessToken = await token(caller);
      expect((await call(`${api}/orders`, bearer(accessToken))).status).toBe(200);
      await revoke(caller, accessToken);
      expect(await call(`${api}/orders`, bearer(accessToken))).toEqual(invalidToken());
    });

    it('refuses a revoked opaque token', async () => {
      const api = await sampleApi(release, introspecting('opaque-only'));
      const accessToken = await token(opaqueCaller);
      expect((await call(`${api}/orders`, bearer(accessToken))).status).toBe(200);
      await revoke(opaqueCaller, accessToken);
      expect(await call(`${api}/orders`, bearer(accessToken))).toEqual(invalidToken());
    });

    it("with mode 'opaque-only' a revoked JWT still passes until its exp: offline checks cannot see revocation", async () => {
      const api = await sampleApi(release, introspecting('opaque-only'));
      const accessToken = await token(caller);
      await revoke(caller, accessToken);
      expect((await call(`${api}/orders`, bearer(accessToken))).status).toBe(200);
    });

    it('with a cacheTtl, remembers an active answer that long: a revocation is seen only after it', async () => {
      const api = await sampleApi(release, authority({
        audience: resourceServer.client_id,
        introspection: { clientId: resourceServer.client_id, clientSecret: resourceServer.client_secret!, cacheTtl: 1 },
      }));
      const accessToken = await token(opaqueCaller);
      expect((await call(`${api}/orders`, bearer(accessToken))).status).toBe(200);
      await revoke(opaqueCaller, accessToken);
      expect((await call(`${api}/orders`, bearer(accessToken))).status).toBe(200);
      await sleep(1100);
      expect(await call(`${api}/orders`, bearer(accessToken))).toEqual(invalidToken());
    });

    it('answers 503 when grantry refuses the resource server’s own credentials', async () => {
      const api = await sampleApi(release, introspecting('always', 'wrong-secret'));
      expect((await call(`${api}/orders`, bearer(await token(caller)))).status).toBe(503);
    });
  });

  describe('by certificate (grantry keys export --cert)', () => {
    it('accepts tokens signed by the exported key, and refuses others', async () => {
      const certificateFile = await exportCertificate();
      const api = await sampleApi(release, { issuer: server.url, certificateFile, audience: AUDIENCE });
      const accessToken = await token(orders, { scope: 'orders:read' });
      const { status, body } = await call(`${api}/orders`, bearer(accessToken));
      expect(status).toBe(200);
      expect(body).toMatchObject({ subject: orders.client_id, clientId: orders.client_id, scopes: ['orders:read'], issuer: server.url });

      const foreign = await keyPair('RS256');
      const claims = { iss: server.url, sub: orders.client_id, aud: AUDIENCE, client_id: orders.client_id, scope: 'orders:read' };
      expect((await call(`${api}/orders`, bearer(await signAssertion(foreign, claims, { typ: 'at+jwt' })))).status).toBe(401);
      expect((await call(`${api}/orders`, bearer(await signedByGrantry({}, 'JWT')))).status).toBe(401);
      expect((await call(`${api}/orders`, bearer(await signedByGrantry({ iss: 'https://elsewhere.example' })))).status).toBe(401);
      expect((await call(`${api}/orders/write`, bearer(accessToken))).status).toBe(403);
    });

    it('accepts the SPKI public key of that certificate as well', async () => {
      const certificate = new X509Certificate(readFileSync(await exportCertificate()));
      const publicKeyFile = writeText(server.db.dir, 'grantry-public.pem', certificate.publicKey.export({ type: 'spki', format: 'pem' }).toString());
      const api = await sampleApi(release, { issuer: server.url, publicKeyFile, audience: AUDIENCE });
      expect((await call(`${api}/orders`, bearer(await token(orders)))).status).toBe(200);
    });

    it('follows a rotation when the new certificate is deployed beside the old one', async () => {
      const before = await token(orders);
      await rotate();
      const after = await token(orders);
      // The previous key, by its kid (`--kid K`; kids may start with '-').
      const old = await exportCertificate(JSON.parse(Buffer.from(before.split('.')[0], 'base64url').toString()).kid);
      const oldOnly = await sampleApi(release, { issuer: server.url, certificateFile: old, audience: AUDIENCE });
      expect((await call(`${oldOnly}/orders`, bearer(before))).status).toBe(200);
      expect((await call(`${oldOnly}/orders`, bearer(after))).status).toBe(401);

      const both = await sampleApi(release, { issuer: server.url, certificateFile: [old, await exportCertificate()], audience: AUDIENCE });
      expect((await call(`${both}/orders`, bearer(before))).status).toBe(200);
      expect((await call(`${both}/orders`, bearer(after))).status).toBe(200);
    });

    it('stops start-up on a private key, a file without PEM, or a missing file, naming it', async () => {
      const { keyFile } = selfSignedCertificate(server.db.dir, 'not-for-resource-servers');
      const empty = writeText(server.db.dir, 'empty.pem', 'nothing here\n');
      const missing = `${server.db.dir}/missing.crt`;
      await expect(sampleApi(release, { issuer: server.url, certificateFile: keyFile, audience: AUDIENCE })).rejects.toThrow(
        `grantry/resource-server: ${keyFile}: holds a PRIVATE KEY; give certificates or public keys (PEM) only`,
      );
      await expect(sampleApi(release, { issuer: server.url, certificateFile: empty, audience: AUDIENCE })).rejects.toThrow(`${empty}: no PEM certificate or public key in it`);
      await expect(sampleApi(release, { issuer: server.url, publicKeyFile: missing, audience: AUDIENCE })).rejects.toThrow(`${missing}: cannot read it`);
      expect(() => ResourceServerModule.forRoot({ certificateFile: empty, audience: AUDIENCE } as ResourceServerOptions)).toThrow(
        'grantry/resource-server: issuer is required with certificateFile / publicKeyFile',
      );
    });
  });
});
