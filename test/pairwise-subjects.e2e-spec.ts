import * as openid from 'openid-client';
import type { ClientView } from '../src/clients/clients.service';
import { IdentityProvidersService } from '../src/identity-providers/identity-providers.service';
import { SecurityService } from '../src/security/security.service';
import { parseIdentityProviderInput } from '../src/identity-providers/identity-provider-input';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { jwksServer, keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { TestBrowser } from './support/browser';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const REDIRECT = 'https://pairwise.example/cb';
const PASSWORD = 'correct horse battery';
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/**
 * OIDC Core §8.1: a pairwise client sees one per-sector `sub` for a user — in the ID token, access
 * tokens, userinfo and the introspection of every token kind, whichever grant made them (a browser
 * sign-in, the password grant, an identity provider's subject mapped to the user, and their
 * refreshes) — and never the user's id, which would let two sectors correlate the user.
 */
describe('pairwise subjects', () => {
  let server: TestServer;
  let pairwise: ClientView;
  let introspector: ClientView;
  let idp: SigningKeyPair;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let userId: string;

  beforeAll(async () => {
    server = await startServer({
      users: { scrypt_log_n: 14, scrypt_p: 1 },
      oauth: { grant_type: { password: { enable: true }, jwt_bearer: { issue_refresh_token: true } } },
    });
    idp = await keyPair('ES256');
    jwks = await jwksServer([idp.publicJwk]);
    const providers = server.app.get(IdentityProvidersService);
    await providers.create(parseIdentityProviderInput({ name: 'corp', issuer: 'https://corp.example', jwks_uri: jwks.url, allow_insecure_jwks_uri: true, map_subject_to_user: true }));
    await providers.create(parseIdentityProviderInput({ name: 'partner', issuer: 'https://partner.example', jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
    const user = await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD, claims: { email: 'alice@example.com' }, identities: [{ identity_provider: 'corp', subject: 'emp-7' }] }, true));
    userId = user.id;
    pairwise = await createClient(server, {
      client_name: 'Pairwise',
      grant_types: ['authorization_code', 'refresh_token', 'password', JWT_BEARER],
      subject_type: 'pairwise',
      redirect_uris: [REDIRECT],
      scope: 'openid email read',
    });
    introspector = await createClient(server, { client_name: 'API', grant_types: ['client_credentials'], introspect_any: true });
  });
  afterAll(async () => {
    await jwks?.close();
    await stopServer(server);
  });

  const token = (params: Record<string, string>) => tokenRequest(server, params, { authorization: basic(pairwise.client_id, pairwise.client_secret!) });
  const introspect = async (value: string, who: ClientView = pairwise, hint?: string) => {
    const response = await fetch(`${server.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(who.client_id, who.client_secret!) },
      body: new URLSearchParams({ token: value, ...(hint ? { token_type_hint: hint } : {}) }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };
  /** The user's subject in the client's sector (its redirect URI's host). */
  const pairwiseSub = () => server.app.get(SecurityService).pairwiseSubject('pairwise.example', userId);
  const assertion = (iss: string, sub: string) => signAssertion(idp, { iss, sub, aud: `${server.url}/oauth2/token` });

  /** Every answer the pairwise client (or a resource server introspecting its tokens) got in a test: none may hold the user's id. */
  const seen: unknown[] = [];
  const subOf = (answer: Record<string, unknown>) => {
    seen.push(answer);
    return answer.sub;
  };
  beforeEach(() => {
    seen.length = 0;
  });
  const neverTheUsersId = () => {
    expect(seen.length).toBeGreaterThan(3);
    expect(JSON.stringify(seen)).not.toContain(userId);
  };

  it('is the same in the ID token, access tokens, userinfo and the introspection of both tokens of a browser sign-in and its refresh', async () => {
    const oidc = await openid.discovery(new URL(server.url), pairwise.client_id, undefined, openid.ClientSecretBasic(pairwise.client_secret!), { execute: [openid.allowInsecureRequests] });
    const verifier = openid.randomPKCECodeVerifier();
    const url = openid.buildAuthorizationUrl(oidc, { redirect_uri: REDIRECT, scope: 'openid email', code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce: 'n-1' });
    const browser = new TestBrowser(server.url);
    const consent = await browser.submit(await browser.follow(url.toString()), { username: 'alice', password: PASSWORD });
    const back = await browser.submit(consent, { decision: 'approve' });
    const tokens = await openid.authorizationCodeGrant(oidc, new URL(back.location!), { pkceCodeVerifier: verifier, expectedNonce: 'n-1', idTokenExpected: true });
    const sub = tokens.claims()!.sub;
    expect(sub).toBe(pairwiseSub());
    expect(sub).not.toBe(userId);

    expect(subOf(claimsOf(tokens.access_token))).toBe(sub);
    expect(subOf(await openid.fetchUserInfo(oidc, tokens.access_token, sub) as Record<string, unknown>)).toBe(sub);
    expect(subOf(await introspect(tokens.access_token))).toBe(sub);
    expect(subOf(await introspect(tokens.refresh_token!, pairwise, 'refresh_token'))).toBe(sub);
    // A resource server allowed to introspect every token sees what the token's own client sees.
    expect(subOf(await introspect(tokens.refresh_token!, introspector))).toBe(sub);

    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect(refreshed.status).toBe(200);
    expect(subOf(claimsOf(refreshed.body.access_token as string))).toBe(sub);
    expect(subOf(claimsOf(refreshed.body.id_token as string))).toBe(sub);
    expect(subOf(await introspect(refreshed.body.refresh_token as string))).toBe(sub);
    neverTheUsersId();
  });

  it('is the same pairwise value for the password grant, its refresh token and its refresh', async () => {
    const sub = pairwiseSub();
    const issued = await token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid read' });
    expect(issued.status).toBe(200);
    expect(subOf(claimsOf(issued.body.access_token as string))).toBe(sub);
    expect(subOf(await introspect(issued.body.access_token as string))).toBe(sub);
    expect(subOf(await introspect(issued.body.refresh_token as string))).toBe(sub);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string });
    expect(subOf(claimsOf(refreshed.body.access_token as string))).toBe(sub);
    expect(subOf(await introspect(refreshed.body.refresh_token as string, introspector))).toBe(sub);
    neverTheUsersId();
  });

  it('is the same pairwise value for an identity provider\'s subject mapped to the user, and its refresh', async () => {
    const sub = pairwiseSub();
    const issued = await token({ grant_type: JWT_BEARER, assertion: await assertion('https://corp.example', 'emp-7'), scope: 'read' });
    expect(issued.status).toBe(200);
    expect(subOf(claimsOf(issued.body.access_token as string))).toBe(sub);
    expect(subOf(await introspect(issued.body.access_token as string))).toBe(sub);
    expect(subOf(await introspect(issued.body.refresh_token as string))).toBe(sub);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string });
    expect(subOf(claimsOf(refreshed.body.access_token as string))).toBe(sub);
    neverTheUsersId();
  });

  it('leaves an identity provider\'s own subject as the provider named it: not a user of this server', async () => {
    const issued = await token({ grant_type: JWT_BEARER, assertion: await assertion('https://partner.example', 'p-99'), scope: 'read' });
    expect(issued.status).toBe(200);
    expect(claimsOf(issued.body.access_token as string).sub).toBe('p-99');
    expect((await introspect(issued.body.refresh_token as string)).sub).toBe('p-99');
  });

  it('gives aud as an array in the introspection of access and refresh tokens alike (RFC 7662 §2.2)', async () => {
    const issued = await token({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'read' });
    expect(claimsOf(issued.body.access_token as string).aud).toBe(pairwise.client_id); // one audience: a string in the JWT (RFC 7519 §4.1.3)
    expect(await introspect(issued.body.access_token as string)).toMatchObject({ active: true, token_type: 'Bearer', aud: [pairwise.client_id] });
    expect(await introspect(issued.body.refresh_token as string)).toMatchObject({ active: true, token_type: 'refresh_token', aud: [pairwise.client_id] });
    const opaque = await createClient(server, { grant_types: ['client_credentials'], access_token_format: 'opaque', audience: ['https://a.example', 'https://b.example'] });
    const machine = await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(opaque.client_id, opaque.client_secret!) });
    expect(await introspect(machine.body.access_token as string, introspector)).toMatchObject({ active: true, aud: ['https://a.example', 'https://b.example'] });
  });
});
