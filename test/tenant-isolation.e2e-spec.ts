import 'reflect-metadata';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, importPKCS8, jwtVerify, type CryptoKey } from 'jose';
import { DataSource } from 'typeorm';
import type { ClientView } from '../src/clients/clients.service';
import { AuthorizationCodes } from '../src/oauth/authorization/code/authorization-codes';
import { AccessTokenLookup } from '../src/oauth/tokens/access-token.lookup';
import { RefreshTokenStore } from '../src/oauth/tokens/refresh-token.store';
import { SigningKeysService } from '../src/keys/signing-keys.service';
import { AccessTokenGuard, AccessTokenPrincipal, ResourceServerModule } from '../src/resource-server';
import { KEPT_WITH_TENANT_DELETED, TENANT_TABLES } from '../src/tenants/tenant-tables';
import { jwksServer, keyPair, signAssertion } from './support/assertions';
import { TestBrowser } from './support/browser';
import { freshDatabase } from './support/database';
import { selfSignedCertificate } from './support/certificates';
import { track } from './support/resources';
import { basic, createClient, startServer, stopServer, TestServer } from './support/server';
import { rowsOfTenant, tablesWithTenantColumn } from './support/tenant-rows';
import { createTenant, deleteTenant, inTenant, setTenantEnabled, tenantIssuer, type TenantIssuer } from './support/tenants';

const DEFAULT = 'carbon.super';
const A = 'wso2.com';
const B = 'acme.example';
const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';
const AUDIENCE = 'https://orders.example';
const now = () => Math.floor(Date.now() / 1000);

/** An issuer of the server with the things of its own the test uses. */
interface Issuer extends TenantIssuer {
  /** The seed's client: jwt-bearer (with refresh tokens) and client_credentials, JWT access tokens for AUDIENCE. */
  client: ClientView;
  /** The seed's identity provider `jwtIDP`, the same certificate in every issuer. */
  idpAlias: string;
  userId: string;
}

type Answer = { status: number; headers: Headers; body: Record<string, unknown> };

async function post(url: string, form: Record<string, string>, who?: ClientView): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(who ? { authorization: basic(who.client_id, who.client_secret!) } : {}) },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

/** The sample API of the resource-server spec, guarding one route. */
@Controller('orders')
@UseGuards(AccessTokenGuard)
class OrdersController {
  @Get()
  list(@AccessTokenPrincipal() principal: AccessTokenPrincipal): AccessTokenPrincipal {
    return principal;
  }
}

/** A Nest API guarded by ResourceServerModule for `authority` (an issuer of grantry); closed by the returned function. */
async function guardedApi(authority: string): Promise<{ url: string; close: () => Promise<void> }> {
  @Module({ imports: [ResourceServerModule.forRoot({ authority, audience: AUDIENCE, allowInsecureHttp: true, jwksRefetchCooldown: 1 })], controllers: [OrdersController] })
  class SampleApiModule {}
  const app = await NestFactory.create<NestFastifyApplication>(SampleApiModule, new FastifyAdapter(), { logger: false, abortOnError: false });
  const close = track(`guarded API for ${authority}`, () => app.close());
  await app.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, close };
}

/**
 * Issue 26 item 3 and its acceptance, at the token endpoint's side: two tenants (wso2.com, the
 * seed's, and acme.example) and the default one, each with its own client, user and identity
 * provider. The seed-002 JWT bearer walkthrough in wso2.com by both addressing forms; then every
 * artefact of one tenant — client id, assertion, jti, access token (JWT and opaque), refresh
 * token, code, registration access token — presented to another, each refused as an unknown one
 * would be. Where the client lookup alone would already refuse, a client copied into the other
 * tenant (same id and secret) reaches the artefact's own tenant check.
 */
describe('tenant isolation at the token endpoint and its neighbours', () => {
  let server: TestServer;
  const issuers: Record<string, Issuer> = {};
  let idpKey: { privateKey: CryptoKey; alg: string };
  let certPem: string;

  beforeAll(async () => {
    server = await startServer({
      oauth: { grant_type: { jwt_bearer: { issue_refresh_token: true } }, outbound: { allow_http: true, allow_private_networks: true, jwks_refetch_cooldown: 5 }, registration: { open: true } },
      users: { scrypt_log_n: 14, scrypt_p: 1 },
    });
    for (const domain of [A, B]) await createTenant(server, domain);
    // The seed's provider "jwtIDP", verified by an uploaded certificate: the same provider (name,
    // issuer) and key registered in every issuer.
    const made = selfSignedCertificate(server.db.dir, 'jwtIDP');
    certPem = made.certPem;
    idpKey = { privateKey: await importPKCS8(createPrivateKey(made.keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'), alg: 'RS256' };
    for (const domain of [DEFAULT, A, B]) issuers[domain] = await issuerOf(domain === DEFAULT ? undefined : domain);
  }, 60_000);
  afterAll(() => stopServer(server));

  async function issuerOf(domain: string | undefined): Promise<Issuer> {
    const base = await tenantIssuer(server, domain);
    const client = await base.admin('POST', '/clients', {
      client_name: `seed client of ${domain ?? DEFAULT}`, grant_types: [GRANT, 'refresh_token', 'client_credentials'], scope: 'orders:read', audience: [AUDIENCE],
    });
    expect(client.status).toBe(201);
    const user = await base.admin('POST', '/users', { username: 'alice', password: PASSWORD, claims: { name: `Alice of ${domain ?? DEFAULT}` } });
    expect(user.status).toBe(201);
    const idp = await base.admin('POST', '/identity-providers', { name: 'jwtIDP', issuer: 'jwtIDP', certificate: certPem });
    expect(idp.status).toBe(201);
    return { ...base, client: client.body as ClientView, idpAlias: idp.body.alias as string, userId: user.body.id as string };
  }

  const at = (domain: string) => issuers[domain];
  const tokenEndpoint = (domain: string) => `${at(domain).issuer}/oauth2/token`;
  const seedClaims = (aud: string | string[]) => ({ iss: 'jwtIDP', sub: 'admin', aud, nbf: now(), iat: now(), exp: now() + 600, jti: `Token${randomUUID()}` });
  const assertion = (aud: string | string[], claims: Record<string, unknown> = {}) => signAssertion(idpKey, { ...seedClaims(aud), ...claims });
  /** The seed's request to `url`: Basic client authentication, grant_type and assertion in the body. */
  const exchange = (url: string, jwt: string, who: ClientView) => post(url, { grant_type: GRANT, assertion: jwt }, who);
  const audRefusal = (domain: string) => ({ error: 'invalid_grant', error_description: `assertion aud does not name this server (expected '${tokenEndpoint(domain)}')` });
  const clientCredentials = (domain: string, who: ClientView = at(domain).client) => post(tokenEndpoint(domain), { grant_type: 'client_credentials' }, who);

  describe('the seed-002 walkthrough in tenant wso2.com', () => {
    it('gives the provider the tenant\'s token endpoint as its default alias (the assertion audience)', () => {
      expect(at(A).idpAlias).toBe(`${server.url}/t/${A}/oauth2/token`);
      expect(at(B).idpAlias).toBe(`${server.url}/t/${B}/oauth2/token`);
      expect(at(DEFAULT).idpAlias).toBe(`${server.url}/oauth2/token`);
    });

    it.each([
      ['the seed\'s ?tenantDomain= form', () => `${server.url}/oauth2/token?tenantDomain=${A}`],
      ['the /t/{domain} form', () => `${server.url}/t/${A}/oauth2/token`],
    ])('exchanges the seed\'s assertion through %s: a token of the tenant\'s issuer, verified by its JWKS alone', async (_form, url) => {
      const answer = await exchange(url(), await assertion(`${server.url}/t/${A}/oauth2/token`), at(A).client);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ token_type: 'Bearer', scope: 'orders:read', refresh_token: expect.any(String) });
      const token = answer.body.access_token as string;
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${server.url}/t/${A}/oauth2/jwks`)), { issuer: `${server.url}/t/${A}` });
      expect(payload).toMatchObject({ sub: 'admin', client_id: at(A).client.client_id, aud: AUDIENCE });
      // Neither the default tenant's keys nor acme's verify it.
      for (const other of [DEFAULT, B]) await expect(jwtVerify(token, createRemoteJWKSet(new URL(`${at(other).issuer}/oauth2/jwks`)))).rejects.toThrow();
    });

    it.each([
      ['the default tenant\'s token endpoint', () => `${server.url}/oauth2/token`],
      ['the default tenant\'s issuer', () => server.url],
      ['acme\'s token endpoint', () => `${server.url}/t/${B}/oauth2/token`],
      ['acme\'s issuer', () => `${server.url}/t/${B}`],
      ['the seed-form URL of the token endpoint', () => `${server.url}/oauth2/token?tenantDomain=${A}`],
    ])('refuses in wso2.com an assertion whose aud is %s', async (_what, aud) => {
      for (const url of [`${server.url}/oauth2/token?tenantDomain=${A}`, tokenEndpoint(A)]) {
        const answer = await exchange(url, await assertion(aud()), at(A).client);
        expect({ status: answer.status, body: answer.body }).toEqual({ status: 400, body: audRefusal(A) });
      }
    });
  });

  describe('an assertion of one tenant in another (the same provider and key registered in both)', () => {
    it('refuses at acme an assertion wso2.com accepted: its aud names wso2.com', async () => {
      const jwt = await assertion(tokenEndpoint(A));
      expect((await exchange(tokenEndpoint(A), jwt, at(A).client)).status).toBe(200);
      const answer = await exchange(tokenEndpoint(B), jwt, at(B).client);
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 400, body: audRefusal(B) });
      // ...and at the default tenant.
      expect((await exchange(tokenEndpoint(DEFAULT), jwt, at(DEFAULT).client)).body).toEqual(audRefusal(DEFAULT));
    });

    it('keeps used jtis per tenant: an assertion naming both tenants is used once in each, never twice in one', async () => {
      // Only an assertion whose provider names both audiences reaches the replay check in both.
      const jwt = await assertion([tokenEndpoint(A), tokenEndpoint(B)]);
      expect((await exchange(tokenEndpoint(A), jwt, at(A).client)).status).toBe(200);
      const replay = { error: 'invalid_grant', error_description: 'assertion jti has been used already' };
      expect((await exchange(tokenEndpoint(A), jwt, at(A).client)).body).toEqual(replay);
      // wso2.com's use is wso2.com's record: acme has seen no use of it yet.
      expect((await exchange(tokenEndpoint(B), jwt, at(B).client)).status).toBe(200);
      expect((await exchange(tokenEndpoint(B), jwt, at(B).client)).body).toEqual(replay);
    });
  });

  describe('nothing of one tenant is meaningful in another', () => {
    it('answers a client id of wso2.com at acme\'s token endpoint as an unknown client (401 invalid_client)', async () => {
      const unknown = await post(tokenEndpoint(B), { grant_type: 'client_credentials' }, { ...at(A).client, client_id: `x${at(A).client.client_id.slice(1)}` } as ClientView);
      expect(unknown.status).toBe(401);
      for (const url of [tokenEndpoint(B), `${server.url}/oauth2/token?tenantDomain=${B}`, tokenEndpoint(DEFAULT)]) {
        const answer = await post(url, { grant_type: 'client_credentials' }, at(A).client);
        expect({ status: answer.status, body: answer.body, challenge: answer.headers.get('www-authenticate') }).toEqual({
          status: 401, body: unknown.body, challenge: unknown.headers.get('www-authenticate'),
        });
      }
      expect((await clientCredentials(A)).status).toBe(200);
    });

    it('answers wso2.com\'s access tokens (JWT and opaque) as inactive at acme\'s introspection and 401 at its userinfo', async () => {
      // acme's introspecting client sees every token of its tenant (introspect_any): only the token's tenant refuses.
      const introspector = await at(B).admin('POST', '/clients', { client_name: 'introspector', grant_types: ['client_credentials'], introspect_any: true });
      expect(introspector.status).toBe(201);
      const opaque = (await at(A).admin('POST', '/clients', { client_name: 'opaque', grant_types: [GRANT, 'refresh_token', 'client_credentials'], scope: 'orders:read', access_token_format: 'opaque' })).body as ClientView;
      // A JWT and an opaque token under a grant (jwt-bearer), and an opaque token and a JWT of no grant
      // (client_credentials): the tenant of the grant, of the opaque row, and the JWT's key and iss each decide.
      const issued = [
        { who: at(A).client, answer: await exchange(tokenEndpoint(A), await assertion(tokenEndpoint(A)), at(A).client) },
        { who: opaque, answer: await exchange(tokenEndpoint(A), await assertion(tokenEndpoint(A)), opaque) },
        { who: opaque, answer: await clientCredentials(A, opaque) },
        { who: at(A).client, answer: await clientCredentials(A) },
      ];
      for (const { who, answer } of issued) {
        expect(answer.status).toBe(200);
        const token = answer.body.access_token as string;
        expect((await post(`${at(A).issuer}/oauth2/introspect`, { token }, who)).body).toMatchObject({ active: true, iss: at(A).issuer });
        for (const url of [`${at(B).issuer}/oauth2/introspect`, `${server.url}/oauth2/introspect?tenantDomain=${B}`]) {
          expect((await post(url, { token }, introspector.body as ClientView)).body).toEqual({ active: false });
        }
        // wso2.com's client is unknown at acme's introspection endpoint.
        expect((await post(`${at(B).issuer}/oauth2/introspect`, { token }, who)).status).toBe(401);

        const userinfo = (issuer: string) => fetch(`${issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } });
        for (const issuer of [at(B).issuer, at(DEFAULT).issuer]) {
          const refused = await userinfo(issuer);
          expect({ status: refused.status, challenge: refused.headers.get('www-authenticate') }).toEqual({ status: 401, challenge: expect.stringMatching(/^Bearer .*error="invalid_token"/) });
        }
        // The lookup every protected endpoint shares finds it in its own tenant only.
        const lookup = server.app.get(AccessTokenLookup);
        expect(await inTenant(server, A, () => lookup.find(token))).toMatchObject({ clientId: who.client_id });
        expect(await inTenant(server, B, () => lookup.find(token))).toBeUndefined();
        expect(await inTenant(server, undefined, () => lookup.find(token))).toBeUndefined();
      }
    });

    it('answers wso2.com\'s access token 401 at a resource server configured for acme\'s issuer (and 200 at one for wso2.com\'s)', async () => {
      const token = (await clientCredentials(A)).body.access_token as string;
      const forA = await guardedApi(at(A).issuer);
      const forB = await guardedApi(at(B).issuer);
      const forDefault = await guardedApi(at(DEFAULT).issuer);
      try {
        const call = (api: { url: string }, bearer = token) => fetch(`${api.url}/orders`, { headers: { authorization: `Bearer ${bearer}` } });
        const ok = await call(forA);
        expect(ok.status).toBe(200);
        expect(await ok.json()).toMatchObject({ issuer: at(A).issuer, clientId: at(A).client.client_id });
        for (const api of [forB, forDefault]) {
          const refused = await call(api);
          expect({ status: refused.status, body: await refused.json() }).toEqual({ status: 401, body: { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' } });
        }
        // acme's own token passes acme's guard: what refuses is the tenant, not the guard.
        expect((await call(forB, (await clientCredentials(B)).body.access_token as string)).status).toBe(200);
      } finally {
        await Promise.all([forA.close(), forB.close(), forDefault.close()]);
      }
    });

    it('refuses wso2.com\'s refresh token at acme (its client unknown there; the store finds the token in wso2.com only)', async () => {
      const issued = await exchange(tokenEndpoint(A), await assertion(tokenEndpoint(A)), at(A).client);
      const refreshToken = issued.body.refresh_token as string;
      expect(refreshToken).toEqual(expect.any(String));
      const unknownClient = (await post(tokenEndpoint(B), { grant_type: 'client_credentials' }, { ...at(A).client, client_id: 'no-such-client' } as ClientView)).body;
      for (const url of [tokenEndpoint(B), `${server.url}/oauth2/token?tenantDomain=${B}`]) {
        const answer = await post(url, { grant_type: 'refresh_token', refresh_token: refreshToken }, at(A).client);
        expect({ status: answer.status, body: answer.body }).toEqual({ status: 401, body: unknownClient });
        // acme's own client presenting it: invalid_grant.
        const byB = await post(url, { grant_type: 'refresh_token', refresh_token: refreshToken }, at(B).client);
        expect({ status: byB.status, error: byB.body.error }).toEqual({ status: 400, error: 'invalid_grant' });
      }
      // Client ids are unique server-wide (the clients table's key), so no client of acme can carry
      // wso2.com's id: the store's own (tenant, hash) lookup is checked in-process.
      const store = server.app.get(RefreshTokenStore);
      await expect(inTenant(server, B, () => store.present(refreshToken, at(A).client.client_id))).rejects.toMatchObject({ code: 'invalid_grant' });
      await expect(inTenant(server, A, () => store.present(refreshToken, at(A).client.client_id))).resolves.toBeDefined();
      expect((await post(tokenEndpoint(A), { grant_type: 'refresh_token', refresh_token: refreshToken }, at(A).client)).status).toBe(200);
    });

    it('refuses wso2.com\'s authorization code at acme (its client unknown there; the store finds the code in wso2.com only)', async () => {
      const rp = (await at(A).admin('POST', '/clients', { client_name: 'rp', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid profile' })).body as ClientView;
      const verifier = 'v'.repeat(43);
      const code = await signInForCode(A, rp, createHash('sha256').update(verifier).digest('base64url'));
      const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier };
      for (const url of [tokenEndpoint(B), `${server.url}/oauth2/token?tenantDomain=${B}`]) {
        expect((await post(url, form, rp)).status).toBe(401);
        const byB = await post(url, form, at(B).client);
        expect(byB.status).toBe(400);
      }
      const codes = server.app.get(AuthorizationCodes);
      await expect(inTenant(server, B, () => codes.present(code, rp.client_id, REDIRECT, verifier, [REDIRECT]))).rejects.toMatchObject({ code: 'invalid_grant' });
      const redeemed = await post(tokenEndpoint(A), form, rp);
      expect(redeemed.status).toBe(200);
      expect(decodeJwt(redeemed.body.id_token as string)).toMatchObject({ iss: at(A).issuer, sub: at(A).userId });
      // The code flow's access token reads wso2.com's alice at wso2.com's userinfo, nobody at acme's.
      const userinfo = (issuer: string) => fetch(`${issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${redeemed.body.access_token}` } });
      expect(await (await userinfo(at(A).issuer)).json()).toMatchObject({ sub: at(A).userId, name: `Alice of ${A}` });
      expect((await userinfo(at(B).issuer)).status).toBe(401);
    });

    it('refuses wso2.com\'s registration access token at acme\'s /oauth2/register/{id} (401): it works in its client\'s own tenant only', async () => {
      const response = await fetch(`${at(A).issuer}/oauth2/register`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'registrant', redirect_uris: [REDIRECT] }),
      });
      const client = (await response.json()) as { client_id: string; registration_access_token: string; registration_client_uri: string };
      expect({ status: response.status, uri: client.registration_client_uri }).toEqual({ status: 201, uri: `${at(A).issuer}/oauth2/register/${client.client_id}` });
      const call = (issuer: string, method = 'GET') => fetch(`${issuer}/oauth2/register/${client.client_id}`, { method, headers: { authorization: `Bearer ${client.registration_access_token}` } });
      for (const [issuer, method] of [[at(B).issuer, 'GET'], [`${server.url}/oauth2/register/${client.client_id}?tenantDomain=${B}`, 'GET'], [at(DEFAULT).issuer, 'GET'], [at(B).issuer, 'DELETE']]) {
        const refused = issuer.includes('?')
          ? await fetch(issuer, { headers: { authorization: `Bearer ${client.registration_access_token}` } })
          : await call(issuer, method);
        expect({ issuer, method, status: refused.status }).toEqual({ issuer, method, status: 401 });
      }
      expect((await call(at(A).issuer)).status).toBe(200);
    });

    it('does nothing to wso2.com\'s tokens when they are revoked at acme', async () => {
      const issued = await exchange(tokenEndpoint(A), await assertion(tokenEndpoint(A)), at(A).client);
      const { access_token: accessToken, refresh_token: refreshToken } = issued.body as Record<string, string>;
      for (const token of [accessToken, refreshToken]) {
        for (const url of [`${at(B).issuer}/oauth2/revoke`, `${server.url}/oauth2/revoke?tenantDomain=${B}`]) {
          // RFC 7009 §2.2: a token the server does not know is answered 200 as well.
          expect((await post(url, { token }, at(B).client)).status).toBe(200);
          // wso2.com's client is unknown there.
          expect((await post(url, { token }, at(A).client)).status).toBe(401);
        }
      }
      expect((await post(`${at(A).issuer}/oauth2/introspect`, { token: accessToken }, at(A).client)).body).toMatchObject({ active: true });
      expect((await post(tokenEndpoint(A), { grant_type: 'refresh_token', refresh_token: refreshToken }, at(A).client)).status).toBe(200);
    });
  });

  describe('caches keyed by tenant', () => {
    it('keeps a failed JWKS fetch of one tenant\'s provider from refusing another tenant\'s assertions (same jwks_uri)', async () => {
      const key = await keyPair('ES256');
      const stub = await jwksServer([key.publicJwk]);
      try {
        for (const domain of [A, B]) {
          const created = await at(domain).admin('POST', '/identity-providers', { name: 'remote', issuer: 'remote-idp', jwks_uri: stub.url, allow_insecure_jwks_uri: true });
          expect(created.status).toBe(201);
        }
        const remoteAssertion = (domain: string) => signAssertion(key, { ...seedClaims(tokenEndpoint(domain)), iss: 'remote-idp' });
        // wso2.com's provider finds its JWKS endpoint down: its assertion is refused, and the
        // failure is remembered for the refetch cooldown (5 s here)...
        stub.setStatus(500);
        expect((await exchange(tokenEndpoint(A), await remoteAssertion(A), at(A).client)).status).toBe(400);
        expect(stub.hits()).toBe(1);
        // ...by wso2.com only: acme's provider of the same URI fetches it for itself, now that it answers.
        stub.setStatus(200);
        expect((await exchange(tokenEndpoint(B), await remoteAssertion(B), at(B).client)).status).toBe(200);
        expect(stub.hits()).toBe(2);
        expect((await exchange(tokenEndpoint(A), await remoteAssertion(A), at(A).client)).status).toBe(400);
      } finally {
        await stub.close();
      }
    });
  });

  describe('identity providers by tenant', () => {
    it('keeps two tenants\' providers of one issuer apart: disabled in wso2.com, it stays refused there while acme\'s serves', async () => {
      for (const [domain, enabled] of [[B, true], [A, false]] as const) {
        expect((await at(domain).admin('POST', '/identity-providers', { name: 'toggled', issuer: 'toggled-idp', certificate: certPem, enabled })).status).toBe(201);
      }
      const signed = (domain: string) => assertion(tokenEndpoint(domain), { iss: 'toggled-idp' });
      // acme's provider is found (and cached) first; wso2.com's own, disabled, decides there.
      expect((await exchange(tokenEndpoint(B), await signed(B), at(B).client)).status).toBe(200);
      expect((await exchange(tokenEndpoint(A), await signed(A), at(A).client)).body).toEqual({ error: 'invalid_grant', error_description: 'the assertion is not valid' });
      expect((await exchange(tokenEndpoint(B), await signed(B), at(B).client)).status).toBe(200);
    });
  });

  describe('truststores by tenant', () => {
    it('verifies a provider\'s certificate_alias in its own tenant\'s truststore only', async () => {
      const made = selfSignedCertificate(server.db.dir, 'aliased');
      const key = { privateKey: await importPKCS8(createPrivateKey(made.keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'), alg: 'RS256' };
      // acme trusts the certificate under "partner"; wso2.com names the same alias and has no such certificate.
      expect((await at(B).admin('POST', '/certificates', { alias: 'partner', certificate: made.certPem })).status).toBe(201);
      for (const domain of [A, B]) {
        expect((await at(domain).admin('POST', '/identity-providers', { name: 'aliased', issuer: 'aliased-idp', certificate_alias: 'partner' })).status).toBe(201);
      }
      const signed = (domain: string) => signAssertion(key, { ...seedClaims(tokenEndpoint(domain)), iss: 'aliased-idp' });
      expect((await exchange(tokenEndpoint(B), await signed(B), at(B).client)).status).toBe(200);
      const refused = await exchange(tokenEndpoint(A), await signed(A), at(A).client);
      expect({ status: refused.status, body: refused.body }).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'the assertion is not valid' } });
    });
  });

  describe('a disabled or deleted tenant', () => {
    it('issues nothing while disabled (403 at its token endpoint and discovery) and serves again once enabled', async () => {
      const discovery = () => fetch(`${at(B).issuer}/.well-known/openid-configuration`);
      expect((await discovery()).status).toBe(200);
      await setTenantEnabled(server, B, false);
      try {
        const refused = await clientCredentials(B);
        expect({ status: refused.status, body: refused.body }).toEqual({ status: 403, body: { error: 'invalid_request', error_description: `tenant '${B}' is disabled` } });
        expect((await post(`${server.url}/oauth2/token?tenantDomain=${B}`, { grant_type: 'client_credentials' }, at(B).client)).status).toBe(403);
        expect((await exchange(tokenEndpoint(B), await assertion(tokenEndpoint(B)), at(B).client)).status).toBe(403);
        expect((await discovery()).status).toBe(403);
        expect((await fetch(`${at(B).issuer}/oauth2/jwks`)).status).toBe(403);
        // The other tenants are served as before.
        expect((await clientCredentials(A)).status).toBe(200);
        expect((await clientCredentials(DEFAULT)).status).toBe(200);
      } finally {
        await setTenantEnabled(server, B, true);
      }
      expect((await clientCredentials(B)).status).toBe(200);
      expect((await discovery()).status).toBe(200);
    });

    it('deletes a tenant that issued tokens, leaving no row of it behind (but its audit events)', async () => {
      const doomed = 'doomed.example';
      await createTenant(server, doomed);
      const issuer = await issuerOf(doomed);
      issuers[doomed] = issuer;
      expect((await exchange(tokenEndpoint(doomed), await assertion(tokenEndpoint(doomed)), issuer.client)).status).toBe(200);
      expect((await clientCredentials(doomed)).status).toBe(200);
      const tables = await tablesWithTenantColumn(db());
      expect(tables).toEqual([...TENANT_TABLES, ...KEPT_WITH_TENANT_DELETED].sort());
      const before = await rowsOfTenant(db(), tables, doomed);
      expect(before).toMatchObject({ clients: 2, users: 1, identity_providers: 1, used_jtis: 1 });

      await deleteTenant(server, doomed);
      expect(await rowsOfTenant(db(), tables, doomed)).toEqual({ ...Object.fromEntries(TENANT_TABLES.map((table) => [table, 0])), audit_events: before.audit_events });
      const gone = await clientCredentials(doomed);
      expect({ status: gone.status, body: gone.body }).toEqual({ status: 404, body: { error: 'invalid_request', error_description: `tenant '${doomed}' does not exist` } });
    });
  });

  const db = () => server.app.get(DataSource);

  /** Signs alice in at `domain` for `rp` (code + PKCE) and returns the code its redirect URI receives. */
  async function signInForCode(domain: string, rp: ClientView, challenge: string): Promise<string> {
    const browser = new TestBrowser(server.url);
    const url = `${at(domain).issuer}/oauth2/authorize?${new URLSearchParams({ client_id: rp.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid profile', state: 'st', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' })}`;
    const login = await browser.follow(url);
    expect(login.url.startsWith(`${at(domain).issuer}/oauth2/interaction/`)).toBe(true);
    let page = await browser.submit(login, { username: 'alice', password: PASSWORD });
    if (!page.location?.startsWith(REDIRECT)) page = await browser.submit(page, { decision: 'approve' });
    const landed = new URL(page.location!);
    expect(landed.searchParams.get('iss')).toBe(at(domain).issuer);
    return landed.searchParams.get('code')!;
  }
});

/**
 * Keys are a tenant's (issue 26 item 3: "one tenant's key rotation ... never affects another's
 * answers"). A key's kid is its RFC 7638 thumbprint and the table's key, so the same private key
 * can be held by one tenant only; the default tenant's `[keystore]` key, met at start-up in
 * another tenant, must never be taken for the default tenant's own.
 */
describe('the [keystore] key at start-up, when a tenant holds the same key', () => {
  it('refuses to start, naming the key, and leaves the default tenant\'s signing key as it was', async () => {
    const db = freshDatabase();
    const keyFile = join(db.dir, 'keystore.pem');
    let first: TestServer | undefined;
    let second: TestServer | undefined;
    try {
      await db.prepare?.();
      writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const toml = { oauth: { token: { signing_alg: 'ES256' } } };
      first = await startServer(toml, db);
      const keys = first.app.get(SigningKeysService);
      const [own] = await keys.list();
      expect(own).toMatchObject({ alg: 'ES256', status: 'active' });
      await createTenant(first, 'holder.example');
      // The tenant imports the key the operator will configure as the deployment's [keystore] (inactive there).
      const held = await inTenant(first, 'holder.example', () => keys.importKey({ file: readFileSync(keyFile) }));
      await first.close();

      await expect(startServer({ ...toml, keystore: { file: keyFile } }, db).then((started) => (second = started))).rejects.toThrow(
        `this key is already in the key store (kid ${held.kid})`,
      );
      // Nothing of the default tenant's keys changed: its key still signs, none was retired.
      second = await startServer(toml, db);
      expect((await second.app.get(SigningKeysService).list()).map(({ kid, status }) => ({ kid, status }))).toEqual([{ kid: own.kid, status: 'active' }]);
    } finally {
      await first?.close();
      await second?.close();
      await db.drop();
    }
  });
});
