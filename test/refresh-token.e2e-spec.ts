import { randomUUID } from 'node:crypto';
import type { ClientView } from '../src/clients/clients.service';
import { IdentityProvidersService } from '../src/identity-providers/identity-providers.service';
import { parseIdentityProviderInput } from '../src/identity-providers/identity-provider-input';
import { jwksServer, keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const now = () => Math.floor(Date.now() / 1000);

describe('refresh tokens (RFC 6749 §6, RFC 9700 §4.14.2) from the JWT bearer grant', () => {
  let server: TestServer;
  let idp: SigningKeyPair;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let client: ClientView;

  beforeAll(async () => {
    server = await startServer({ oauth: { grant_type: { jwt_bearer: { issue_refresh_token: true } } } });
    idp = await keyPair('ES256');
    jwks = await jwksServer([idp.publicJwk]);
    await server.app.get(IdentityProvidersService).create(parseIdentityProviderInput({ name: 'idp', issuer: 'idp', jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
    client = await createClient(server, { grant_types: [JWT_BEARER, 'refresh_token'], scope: 'read write' });
  });
  afterAll(async () => {
    try {
      await jwks?.close();
    } finally {
      await stopServer(server);
    }
  });

  const auth = (who: ClientView = client) => ({ authorization: basic(who.client_id, who.client_secret!) });
  async function exchange(who: ClientView = client) {
    const assertion = await signAssertion(idp, { iss: 'idp', sub: 'alice', aud: `${server.url}/oauth2/token`, iat: now(), exp: now() + 300, jti: randomUUID() });
    return tokenRequest(server, { grant_type: JWT_BEARER, assertion }, auth(who));
  }
  const refresh = (token: string, extra: Record<string, string> = {}, who: ClientView = client) =>
    tokenRequest(server, { grant_type: 'refresh_token', refresh_token: token, ...extra }, auth(who));

  it('returns a refresh token with the seed\'s response shape when issue_refresh_token = true', async () => {
    const { status, body } = await exchange();
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('returns none to a client not registered for refresh_token', async () => {
    const other = await createClient(server, { grant_types: [JWT_BEARER] });
    expect((await exchange(other)).body.refresh_token).toBeUndefined();
  });

  it('rotates on every use, keeps the subject, and may narrow the scope', async () => {
    const first = (await exchange()).body.refresh_token as string;
    const rotated = await refresh(first, { scope: 'read' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.scope).toBe('read');
    expect(rotated.body.refresh_token).not.toBe(first);
    const claims = JSON.parse(Buffer.from((rotated.body.access_token as string).split('.')[1], 'base64url').toString());
    expect(claims.sub).toBe('alice');
    const widened = await refresh(rotated.body.refresh_token as string, { scope: 'admin' });
    expect(widened.body).toEqual({ error: 'invalid_scope', error_description: 'the admin scope is granted only by client_credentials to a client acting for itself' });
  });

  it('never widens beyond the original grant, even to scopes the client holds', async () => {
    const assertion = await signAssertion(idp, { iss: 'idp', sub: 'alice', aud: `${server.url}/oauth2/token`, iat: now(), exp: now() + 300, jti: randomUUID() });
    const narrow = (await tokenRequest(server, { grant_type: JWT_BEARER, assertion, scope: 'read' }, auth())).body.refresh_token as string;
    expect((await refresh(narrow, { scope: 'read write' })).body).toEqual({ error: 'invalid_scope', error_description: 'scope beyond the original grant: write' });
    expect((await refresh(narrow)).status).toBe(200); // refused, so not consumed
  });

  it('revokes the whole family when a rotated token is used again', async () => {
    const first = (await exchange()).body.refresh_token as string;
    const second = (await refresh(first)).body.refresh_token as string;
    const replay = await refresh(first);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ error: 'invalid_grant', error_description: 'refresh_token is invalid, expired, revoked or already used' });
    expect((await refresh(second)).status).toBe(400); // the legitimate holder's token died with the family
  });

  it('lets exactly one of 20 concurrent uses of a refresh token through', async () => {
    const token = (await exchange()).body.refresh_token as string;
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(19);
  });

  it('binds a refresh token to its client', async () => {
    const token = (await exchange()).body.refresh_token as string;
    const other = await createClient(server, { grant_types: ['refresh_token'] });
    expect((await refresh(token, {}, other)).body.error).toBe('invalid_grant');
    expect((await refresh(token)).status).toBe(200); // the failed attempt by another client consumed nothing
  });

  it('requires the refresh_token parameter', async () => {
    expect((await tokenRequest(server, { grant_type: 'refresh_token' }, auth())).body).toEqual({ error: 'invalid_request', error_description: 'refresh_token is required' });
  });

  it('never issues one for client_credentials', async () => {
    const service = await createClient(server, { grant_types: ['client_credentials', 'refresh_token'] });
    expect((await tokenRequest(server, { grant_type: 'client_credentials' }, auth(service))).body.refresh_token).toBeUndefined();
  });
});
