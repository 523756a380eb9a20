import 'reflect-metadata';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import * as oauth from 'oauth4webapi';
import type { ClientView } from '../src/clients/clients.service';
import { accessTokenHash, DPOP_SIGNING_ALGS } from '../src/oauth/dpop/dpop-proof';
import { AccessTokenGuard, AccessTokenPrincipal, RequiredScopes, ResourceServerModule, type ResourceServerOptions } from '../src/resource-server';
import type { DpopJtiStore } from '../src/resource-server/dpop-jti-store';
import { dpopKey, proof, type DpopKey } from './support/dpop';
import { releaseAfterEach } from './support/resources';
import { createClient, freePort, startServer, stopServer, TestServer } from './support/server';

const AUDIENCE = 'https://orders.example';
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const INVALID_PROOF = { error: 'invalid_dpop_proof', error_description: 'the DPoP proof is invalid' };
const INVALID_TOKEN = { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' };
const ALGS = `algs="${DPOP_SIGNING_ALGS.join(' ')}"`;

@Controller('orders')
@UseGuards(AccessTokenGuard)
class OrdersController {
  @Get()
  @RequiredScopes('orders:read')
  list(@AccessTokenPrincipal() principal: AccessTokenPrincipal): AccessTokenPrincipal {
    return principal;
  }

  @Get('write')
  @RequiredScopes('orders:write')
  write(): { written: boolean } {
    return { written: true };
  }
}

/** Nest on Fastify with the guard, on 127.0.0.1 at `port` (known before, so `dpop.url` can name it). */
async function sampleApi(release: (close: () => Promise<unknown>) => void, options: ResourceServerOptions, port: number): Promise<string> {
  @Module({ imports: [ResourceServerModule.forRoot(options)], controllers: [OrdersController] })
  class SampleApiModule {}
  const app = await NestFactory.create<NestFastifyApplication>(SampleApiModule, new FastifyAdapter(), { logger: false, abortOnError: false });
  release(() => app.close());
  await app.listen(port, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

/**
 * grantry/resource-server with `dpop` (RFC 9449 §7, issue 28): a DPoP-bound token from grantry
 * (client_credentials through oauth4webapi) is accepted with a fresh proof of each request, and
 * refused as a Bearer token, with a replayed proof, and with a proof for another key, method or
 * URL. Used proofs are remembered in the configured store.
 */
describe('resource-server guard: DPoP-bound tokens', () => {
  let server: TestServer;
  let orders: ClientView;
  let as: oauth.AuthorizationServer;
  const release = releaseAfterEach();

  beforeAll(async () => {
    server = await startServer();
    orders = await createClient(server, { grant_types: ['client_credentials'], scope: 'orders:read orders:write', audience: [AUDIENCE] });
    as = await oauth.processDiscoveryResponse(new URL(server.url), await oauth.discoveryRequest(new URL(server.url), insecure));
  });
  afterAll(() => stopServer(server));

  async function dpopToken(key: DpopKey, scope = 'orders:read'): Promise<string> {
    const client: oauth.Client = { client_id: orders.client_id };
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(orders.client_secret!), { scope }, { ...insecure, DPoP: oauth.DPoP(client, key.pair) });
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens.token_type).toBe('dpop');
    return tokens.access_token;
  }

  /** The sample API; `url`: the public URL its proofs name (default its own address). */
  async function api(extra: Partial<NonNullable<ResourceServerOptions['dpop']>> = {}): Promise<string> {
    const port = await freePort();
    const options = { authority: server.url, audience: AUDIENCE, allowInsecureHttp: true, dpop: { url: `http://127.0.0.1:${port}`, ...extra } } as ResourceServerOptions;
    return sampleApi(release, options, port);
  }

  async function call(url: string, headers: Record<string, string>) {
    const response = await fetch(url, { headers });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: (await response.json()) as Record<string, unknown> };
  }

  it('accepts a DPoP-bound token with a fresh proof of each request (oauth4webapi), the principal naming the key', async () => {
    const base = await api();
    const key = await dpopKey();
    const accessToken = await dpopToken(key);
    const client: oauth.Client = { client_id: orders.client_id };
    const DPoP = oauth.DPoP(client, key.pair);
    for (let i = 0; i < 2; i++) {
      const response = await oauth.protectedResourceRequest(accessToken, 'GET', new URL(`${base}/orders`), new Headers(), null, { ...insecure, DPoP });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ clientId: orders.client_id, senderConstraint: { kind: 'dpop', jkt: key.jkt } });
    }
  });

  it('refuses it as a Bearer token, without a proof, replayed, and for another key, method or URL', async () => {
    const base = await api();
    const key = await dpopKey();
    const accessToken = await dpopToken(key);
    const url = `${base}/orders`;
    const ath = accessTokenHash(accessToken);
    const dpop = (headers: Record<string, string>) => ({ authorization: `DPoP ${accessToken}`, ...headers });

    expect(await call(url, { authorization: `Bearer ${accessToken}` })).toEqual({
      status: 401,
      challenge: `Bearer realm="${AUDIENCE}", error="invalid_token", error_description="${INVALID_TOKEN.error_description}", DPoP realm="${AUDIENCE}", error="invalid_token", error_description="${INVALID_TOKEN.error_description}", ${ALGS}`,
      body: INVALID_TOKEN,
    });
    expect(await call(url, dpop({}))).toEqual({
      status: 401,
      challenge: `DPoP realm="${AUDIENCE}", error="invalid_dpop_proof", error_description="the DPoP proof is invalid", ${ALGS}`,
      body: INVALID_PROOF,
    });
    const once = await proof(key, { htm: 'GET', htu: url, ath });
    expect((await call(url, dpop({ dpop: once }))).status).toBe(200);
    expect(await call(url, dpop({ dpop: once }))).toMatchObject({ status: 401, body: INVALID_PROOF });
    expect(await call(url, dpop({ dpop: await proof(await dpopKey(), { htm: 'GET', htu: url, ath }) }))).toMatchObject({ status: 401, body: INVALID_TOKEN });
    expect(await call(url, dpop({ dpop: await proof(key, { htm: 'POST', htu: url, ath }) }))).toMatchObject({ status: 401, body: INVALID_PROOF });
    expect(await call(url, dpop({ dpop: await proof(key, { htm: 'GET', htu: `${base}/orders/write`, ath }) }))).toMatchObject({ status: 401, body: INVALID_PROOF });
    expect(await call(url, dpop({ dpop: await proof(key, { htm: 'GET', htu: url }) }))).toMatchObject({ status: 401, body: INVALID_PROOF });
    expect(await call(url, dpop({ dpop: await proof(key, { htm: 'GET', htu: url, ath, iat: Math.floor(Date.now() / 1000) - 300 }) }))).toMatchObject({ status: 401, body: INVALID_PROOF });
  });

  it('uses no proof on a refused request (a missing scope), and one proof of 20 concurrent uses', async () => {
    const base = await api();
    const key = await dpopKey();
    const accessToken = await dpopToken(key);
    const write = await proof(key, { htm: 'GET', htu: `${base}/orders/write`, ath: accessTokenHash(accessToken) });
    expect((await call(`${base}/orders/write`, { authorization: `DPoP ${accessToken}`, dpop: write })).status).toBe(403);
    const once = await proof(key, { htm: 'GET', htu: `${base}/orders`, ath: accessTokenHash(accessToken) });
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(`${base}/orders`, { authorization: `DPoP ${accessToken}`, dpop: once })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, ...Array<number>(19).fill(401)]);
  });

  it('keeps used proofs in the store it is given: two instances behind one URL accept a proof once', async () => {
    const used = new Set<string>();
    const shared: DpopJtiStore = { use: (key) => !used.has(key) && Boolean(used.add(key)) };
    const publicUrl = 'https://orders.example';
    const [first, second] = [await api({ jtiStore: shared, url: publicUrl }), await api({ jtiStore: shared, url: publicUrl })];
    const key = await dpopKey();
    const accessToken = await dpopToken(key);
    const once = await proof(key, { htm: 'GET', htu: `${publicUrl}/orders`, ath: accessTokenHash(accessToken) });
    expect((await call(`${first}/orders`, { authorization: `DPoP ${accessToken}`, dpop: once })).status).toBe(200);
    expect(await call(`${second}/orders`, { authorization: `DPoP ${accessToken}`, dpop: once })).toMatchObject({ status: 401, body: INVALID_PROOF });
    expect([...used]).toEqual([`${key.jkt}:${JSON.parse(Buffer.from(once.split('.')[1], 'base64url').toString()).jti}`]);
  });

  it('refuses a DPoP-bound token when the guard is not configured for DPoP', async () => {
    const port = await freePort();
    const base = await sampleApi(release, { authority: server.url, audience: AUDIENCE, allowInsecureHttp: true } as ResourceServerOptions, port);
    const key = await dpopKey();
    const accessToken = await dpopToken(key);
    const answer = await call(`${base}/orders`, { authorization: `DPoP ${accessToken}`, dpop: await proof(key, { htm: 'GET', htu: `${base}/orders`, ath: accessTokenHash(accessToken) }) });
    expect(answer).toEqual({ status: 401, challenge: `Bearer realm="${AUDIENCE}"`, body: { error: 'unauthorized', error_description: 'a bearer access token is required' } });
  });
});
