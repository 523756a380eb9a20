import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ClientView } from '../src/clients/clients.service';
import { IdentityProviderRemoval } from '../src/admin/identity-provider-removal';
import { parseIdentityProviderInput } from '../src/identity-providers/identity-provider-input';
import { IdentityProvidersService } from '../src/identity-providers/identity-providers.service';
import { ClientRegistrationService } from '../src/oauth/registration/client-registration.service';
import { jwksServer, keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { basic, createClient, startServer, stopServer, TEST_ACTOR, TestServer, tokenRequest } from './support/server';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const now = () => Math.floor(Date.now() / 1000);
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const REFUSED = { error: 'invalid_grant', error_description: 'refresh_token is invalid, expired, revoked or already used' };

/**
 * The core rules of the token endpoint (RFC 9700 §4.14.2, §2.3): grants decide, the endpoint
 * enforces scope policy for every grant and consumes one-time artefacts last and atomically;
 * grant records make revocation one sticky write.
 */
describe('grant records, endpoint policy and consume-last', () => {
  let server: TestServer;
  let idp: SigningKeyPair;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let client: ClientView;
  let db: DataSource;

  beforeAll(async () => {
    server = await startServer({ oauth: { grant_type: { jwt_bearer: { issue_refresh_token: true } } } });
    idp = await keyPair('ES256');
    jwks = await jwksServer([idp.publicJwk]);
    const providers = server.app.get(IdentityProvidersService);
    for (const name of ['idp-a', 'idp-b']) {
      await providers.create(parseIdentityProviderInput({ name, issuer: name, jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
    }
    client = await createClient(server, { grant_types: [JWT_BEARER, 'refresh_token'], scope: 'read write', audience: ['https://api.example/a', 'https://api.example/b'] });
    db = server.app.get(DataSource);
  });
  afterAll(async () => {
    await jwks?.close();
    await stopServer(server);
  });

  const auth = (who: ClientView = client) => ({ authorization: basic(who.client_id, who.client_secret!) });
  const assertion = (claims: Record<string, unknown> = {}) =>
    signAssertion(idp, { iss: 'idp-a', sub: 'alice', aud: `${server.url}/oauth2/token`, iat: now(), exp: now() + 300, jti: randomUUID(), ...claims });
  const exchange = async (extra: Record<string, string> = {}, who: ClientView = client, claims: Record<string, unknown> = {}) =>
    tokenRequest(server, { grant_type: JWT_BEARER, assertion: await assertion(claims), ...extra }, auth(who));
  const refresh = (token: string, extra: Record<string, string> = {}, who: ClientView = client) =>
    tokenRequest(server, { grant_type: 'refresh_token', refresh_token: token, ...extra }, auth(who));
  const grantOf = async (accessToken: string) =>
    (await db.query(`SELECT revoked_at FROM grant_records WHERE id = '${claimsOf(accessToken).gid}'`))[0] as { revoked_at: unknown } | undefined;

  describe('refresh-token races (RFC 9700 §4.14.2)', () => {
    it('ends the whole grant — the winner\'s new token too — in each of 20 trials of two concurrent uses', async () => {
      for (let trial = 0; trial < 20; trial++) {
        const first = await exchange();
        const results = await Promise.all([refresh(first.body.refresh_token as string), refresh(first.body.refresh_token as string)]);
        expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
        for (const { body } of results.filter((r) => r.status === 200)) {
          expect(await refresh(body.refresh_token as string)).toMatchObject({ status: 400, body: REFUSED });
        }
        expect((await grantOf(first.body.access_token as string))?.revoked_at).not.toBeNull();
      }
    });
  });

  describe('a refused request consumes nothing', () => {
    it('keeps a refresh token valid after invalid_scope, then rotates it', async () => {
      const token = (await exchange()).body.refresh_token as string;
      expect((await refresh(token, { scope: 'admin' })).body).toEqual({ error: 'invalid_scope', error_description: 'the admin scope is granted only by client_credentials to a client acting for itself' });
      expect((await refresh(token)).status).toBe(200);
    });

    it('keeps a refresh token valid after invalid_target (RFC 8707), then rotates it', async () => {
      const token = (await exchange()).body.refresh_token as string;
      const target = await refresh(token, { resource: 'https://unknown.example/' });
      expect(target.body).toEqual({ error: 'invalid_target', error_description: 'resource not allowed for this client: https://unknown.example/' });
      expect((await refresh(token)).status).toBe(200);
    });

    it('keeps a JWT bearer assertion\'s jti unused after invalid_scope, then accepts the assertion', async () => {
      const signed = await assertion();
      const refused = await tokenRequest(server, { grant_type: JWT_BEARER, assertion: signed, scope: 'admin' }, auth());
      expect(refused.body.error).toBe('invalid_scope');
      expect((await tokenRequest(server, { grant_type: JWT_BEARER, assertion: signed }, auth())).status).toBe(200);
    });

    it('keeps a client assertion\'s jti unused when the grant refuses, then accepts it', async () => {
      const key = await keyPair('ES256');
      const pkjwt = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, scope: 'read' });
      const clientAssertion = await signAssertion(key, { iss: pkjwt.client_id, sub: pkjwt.client_id, aud: `${server.url}/oauth2/token` });
      const form = { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion };
      expect((await tokenRequest(server, { ...form, scope: 'write' })).body.error).toBe('invalid_scope');
      expect((await tokenRequest(server, form)).status).toBe(200);
      expect((await tokenRequest(server, form)).body).toEqual({ error: 'invalid_client', error_description: 'assertion jti has been used already' });
    });
  });

  describe('refresh re-evaluates the grant', () => {
    it('lets resource narrow within the original grant and never reach further (RFC 8707 §2.2)', async () => {
      const first = await exchange({ resource: 'https://api.example/a' });
      expect(claimsOf(first.body.access_token as string).aud).toBe('https://api.example/a');
      const further = await refresh(first.body.refresh_token as string, { resource: 'https://api.example/b' });
      expect(further.body).toEqual({ error: 'invalid_target', error_description: 'resource beyond the original grant: https://api.example/b' });
      const same = await refresh(first.body.refresh_token as string, { resource: 'https://api.example/a' });
      expect(same.status).toBe(200); // the refusal consumed nothing
    });


    it('narrows scopes and audience to the client\'s current registration, and refuses a scope it lost', async () => {
      const narrowing = await createClient(server, { grant_types: [JWT_BEARER, 'refresh_token'], scope: 'read write', audience: ['https://api.example/a', 'https://api.example/b'] });
      const first = await exchange({}, narrowing);
      expect(claimsOf(first.body.access_token as string).aud).toEqual(['https://api.example/a', 'https://api.example/b']);
      await server.app.get(ClientRegistrationService).update(narrowing.client_id, { scope: 'read', audience: ['https://api.example/a'] }, TEST_ACTOR);
      const rotated = await refresh(first.body.refresh_token as string, {}, narrowing);
      expect(rotated.status).toBe(200);
      expect(rotated.body.scope).toBe('read');
      expect(claimsOf(rotated.body.access_token as string)).toMatchObject({ scope: 'read', aud: 'https://api.example/a' });
      const asked = await refresh(rotated.body.refresh_token as string, { scope: 'write' }, narrowing);
      expect(asked.body).toEqual({ error: 'invalid_scope', error_description: "scope not allowed for this client: write (this client's registered scopes: read)" });
    });

    it('refuses when no granted scope is left', async () => {
      const losing = await createClient(server, { grant_types: [JWT_BEARER, 'refresh_token'], scope: 'write' });
      const first = await exchange({}, losing);
      await server.app.get(ClientRegistrationService).update(losing.client_id, { scope: 'read' }, TEST_ACTOR);
      expect((await refresh(first.body.refresh_token as string, {}, losing)).body).toEqual({ error: 'invalid_scope', error_description: 'none of the granted scopes is still allowed for this client' });
    });

    it('refuses once the identity provider that vouched is disabled, and again works when it is enabled', async () => {
      const providers = server.app.get(IdentityProvidersService);
      const created = await providers.create(parseIdentityProviderInput({ name: 'idp-c', issuer: 'idp-c', jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
      const first = await exchange({}, client, { iss: 'idp-c' });
      expect(claimsOf(first.body.access_token as string).idp).toBe('idp-c');
      await providers.update(created.id, (current) => ({ ...current, enabled: false }));
      const refused = await refresh(first.body.refresh_token as string);
      expect(refused.body).toEqual({ error: 'invalid_grant', error_description: 'the identity provider that vouched for the subject is not enabled' });
      await providers.update(created.id, (current) => ({ ...current, enabled: true }));
      expect((await refresh(first.body.refresh_token as string)).status).toBe(200); // the refusal consumed nothing
    });

    it('refuses once the identity provider that vouched is deleted', async () => {
      const providers = server.app.get(IdentityProvidersService);
      const created = await providers.create(parseIdentityProviderInput({ name: 'idp-d', issuer: 'idp-d', jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
      const first = await exchange({}, client, { iss: 'idp-d' });
      await server.app.get(IdentityProviderRemoval).delete(created.id);
      expect((await refresh(first.body.refresh_token as string)).body.error).toBe('invalid_grant');
    });

    it('refuses once the client may no longer use the grant type that created the grant', async () => {
      const changing = await createClient(server, { grant_types: [JWT_BEARER, 'refresh_token'], scope: 'read' });
      const first = await exchange({}, changing);
      await server.app.get(ClientRegistrationService).update(changing.client_id, { grant_types: ['refresh_token', 'client_credentials'] }, TEST_ACTOR);
      expect((await refresh(first.body.refresh_token as string, {}, changing)).body).toEqual({ error: 'invalid_grant', error_description: `this client may no longer use grant_type ${JWT_BEARER}` });
    });
  });

  describe('principals', () => {
    it('names the identity provider, so the same sub from two providers is never one principal', async () => {
      const a = claimsOf((await exchange({}, client, { iss: 'idp-a' })).body.access_token as string);
      const b = claimsOf((await exchange({}, client, { iss: 'idp-b' })).body.access_token as string);
      expect([a.sub, b.sub]).toEqual(['alice', 'alice']);
      expect([a.idp, b.idp]).toEqual(['idp-a', 'idp-b']);
      expect(a.gid).not.toBe(b.gid);
    });

    it('keeps gid and idp out of reach of claim mappings', async () => {
      for (const reserved of ['gid', 'idp']) {
        expect(() => parseIdentityProviderInput({ name: 'x', issuer: 'x', jwks_uri: jwks.url, claim_mappings: { spoof: reserved } })).toThrow(reserved);
      }
      const providers = server.app.get(IdentityProvidersService);
      await providers.create(parseIdentityProviderInput({ name: 'idp-m', issuer: 'idp-m', jwks_uri: jwks.url, allow_insecure_jwks_uri: true, claim_mappings: { email: 'email' } }));
      const claims = claimsOf((await exchange({}, client, { iss: 'idp-m', email: 'a@example.com' })).body.access_token as string);
      expect(claims).toMatchObject({ idp: 'idp-m', email: 'a@example.com' });
      expect(typeof claims.gid).toBe('string');
    });
  });

  describe('the reserved admin scope', () => {
    it('is never granted to a subject of a JWT bearer grant', async () => {
      const withAdmin = await createClient(server, { grant_types: [JWT_BEARER], scope: 'admin read' });
      expect((await exchange({ scope: 'admin' }, withAdmin)).body).toEqual({ error: 'invalid_scope', error_description: 'the admin scope is granted only by client_credentials to a client acting for itself' });
      expect((await exchange({}, withAdmin)).body.scope).toBe('read'); // never a default
    });

    it('is never combined with other scopes, and its token is for the admin API alone', async () => {
      const admin = await createClient(server, { grant_types: ['client_credentials'], scope: 'admin read' });
      const combined = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'admin read' }, auth(admin));
      expect(combined.body).toEqual({ error: 'invalid_scope', error_description: 'the admin scope cannot be combined with other scopes in one request' });
      const alone = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'admin' }, auth(admin));
      expect(claimsOf(alone.body.access_token as string)).toMatchObject({ sub: admin.client_id, aud: `${server.url}/api/admin`, scope: 'admin' });
    });
  });

  it('revokes every grant of a client that is deleted', async () => {
    const doomed = await createClient(server, { grant_types: [JWT_BEARER, 'refresh_token'], scope: 'read' });
    const issued = await exchange({}, doomed);
    await server.app.get(ClientRegistrationService).delete(doomed.client_id, TEST_ACTOR);
    expect((await grantOf(issued.body.access_token as string))?.revoked_at).not.toBeNull();
  });

  it('writes no grant record for a client acting for itself (client_credentials)', async () => {
    const service = await createClient(server, { grant_types: ['client_credentials'], scope: 'read' });
    const [{ n: before }] = await db.query('SELECT COUNT(*) AS n FROM grant_records');
    const { body } = await tokenRequest(server, { grant_type: 'client_credentials' }, auth(service));
    expect(claimsOf(body.access_token as string).gid).toBeUndefined();
    const [{ n: after }] = await db.query('SELECT COUNT(*) AS n FROM grant_records');
    expect(Number(after)).toBe(Number(before));
  });
});

describe('the absolute lifetime of a grant ([oauth.token] refresh_token_absolute_ttl)', () => {
  it('ends its refresh tokens whatever the rotations', async () => {
    const idp = await keyPair('ES256');
    const jwks = await jwksServer([idp.publicJwk]);
    const server = await startServer({ oauth: { token: { refresh_token_absolute_ttl: 2 }, grant_type: { jwt_bearer: { issue_refresh_token: true } } } });
    try {
      await server.app.get(IdentityProvidersService).create(parseIdentityProviderInput({ name: 'idp', issuer: 'idp', jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
      const client = await createClient(server, { grant_types: [JWT_BEARER, 'refresh_token'] });
      const auth = { authorization: basic(client.client_id, client.client_secret!) };
      const signed = await signAssertion(idp, { iss: 'idp', sub: 'alice', aud: `${server.url}/oauth2/token` });
      const first = await tokenRequest(server, { grant_type: JWT_BEARER, assertion: signed }, auth);
      expect(first.body.expires_in).toBeLessThanOrEqual(2); // no token outlives its grant
      const rotated = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string }, auth);
      expect(rotated.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token as string }, auth)).body).toEqual(REFUSED);
    } finally {
      await server.close();
      await server.db.drop();
      await jwks.close();
    }
  });
});
