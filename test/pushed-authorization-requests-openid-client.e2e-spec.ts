import * as openid from 'openid-client';
import type { ClientView } from '../src/clients/clients.service';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { keyPair, SigningKeyPair } from './support/assertions';
import { TestBrowser } from './support/browser';
import { createClient, startServer, stopServer, TestServer } from './support/server';

const REDIRECT = 'https://rp.example/callback';
const PASSWORD = 'correct horse battery';

/**
 * PAR (RFC 9126) and a signed request object (RFC 9101) from `openid-client` as the relying party
 * (issue 27 acceptance, beside the oauth4webapi specs): the library pushes, the browser signs in
 * with the request_uri alone, the library exchanges the code with PKCE and checks the ID token.
 */
describe('PAR and JAR with openid-client', () => {
  let server: TestServer;
  let alice: string;

  beforeAll(async () => {
    server = await startServer({ users: { scrypt_log_n: 14, scrypt_p: 1 } });
    alice = (await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD }, true))).id;
  });
  afterAll(() => stopServer(server));

  /** Signs alice in at `url` (consenting when asked); the URL the browser lands on at the client. */
  async function signIn(url: URL): Promise<URL> {
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(url.toString());
    expect(login.html).toContain('name="password"');
    let page = await browser.submit(login, { username: 'alice', password: PASSWORD });
    if (!page.location?.startsWith(REDIRECT)) page = await browser.submit(page, { decision: 'approve' });
    return new URL(page.location!);
  }

  async function codeFlow(config: openid.Configuration, push: (params: Record<string, string>) => Promise<URL>) {
    const verifier = openid.randomPKCECodeVerifier();
    const [state, nonce] = [openid.randomState(), openid.randomNonce()];
    const url = await push({ redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state, nonce, code_challenge: await openid.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    // The browser carries client_id and the pushed request's request_uri, nothing else.
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const tokens = await openid.authorizationCodeGrant(config, await signIn(url), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()).toMatchObject({ iss: server.url, sub: alice, nonce });
    return tokens;
  }

  it('client_secret_basic: pushes plain parameters, exchanges the code with PKCE', async () => {
    const rp: ClientView = await createClient(server, { client_name: 'oc basic', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
    const config = await openid.discovery(new URL(server.url), rp.client_id, undefined, openid.ClientSecretBasic(rp.client_secret!), { execute: [openid.allowInsecureRequests] });
    expect(config.serverMetadata().pushed_authorization_request_endpoint).toBe(`${server.url}/oauth2/par`);
    await codeFlow(config, (params) => openid.buildAuthorizationUrlWithPAR(config, params));
  });

  describe('private_key_jwt and a signed request object', () => {
    let key: SigningKeyPair;
    let rp: ClientView;
    let config: openid.Configuration;

    beforeAll(async () => {
      key = await keyPair('PS256');
      rp = await createClient(server, {
        client_name: 'oc jar', grant_types: ['authorization_code'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] },
        redirect_uris: [REDIRECT], scope: 'openid', request_object_signing_alg: 'PS256',
      });
      config = await openid.discovery(new URL(server.url), rp.client_id, undefined, openid.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }), { execute: [openid.allowInsecureRequests] });
    });

    it('pushes the object (buildAuthorizationUrlWithJAR, then WithPAR: client_id and request alone, RFC 9126 §3) through to tokens', async () => {
      await codeFlow(config, async (params) => {
        const { searchParams } = await openid.buildAuthorizationUrlWithJAR(config, params, { key: key.privateKey, kid: key.kid });
        expect([...searchParams.keys()].sort()).toEqual(['client_id', 'request']);
        return openid.buildAuthorizationUrlWithPAR(config, searchParams);
      });
    });

    it('refuses at the PAR endpoint an object signed by another key (JSON 400 invalid_request_object)', async () => {
      const stranger = await keyPair('PS256', key.kid);
      const { searchParams } = await openid.buildAuthorizationUrlWithJAR(config, { redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }, { key: stranger.privateKey, kid: stranger.kid });
      await expect(openid.buildAuthorizationUrlWithPAR(config, searchParams)).rejects.toMatchObject({ error: 'invalid_request_object', status: 400 });
    });
  });
});
