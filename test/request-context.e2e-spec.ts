import { decodeProtectedHeader } from 'jose';
import { IssuerContext, issuerSettingsOf } from '../src/common/issuer-context';
import { RequestContext } from '../src/common/request-context';
import { buildConfig } from '../src/config/config-loader';
import { KeyRing } from '../src/keys/key-ring';
import { SigningKeysService } from '../src/keys/signing-keys.service';
import { UNCONSTRAINED } from '../src/oauth/core/sender-constraint';
import { DiscoveryController } from '../src/oauth/discovery/discovery.controller';
import { AccessTokenIssuer } from '../src/oauth/tokens/access-token.issuer';
import { registeredClient } from './support/registered-client';
import { startServer, stopServer, TestServer } from './support/server';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/**
 * Two issuers in one running process, as tenants will be: the default one, and a second request
 * context with its own issuer URL, settings (ES256 tokens for 60 s) and keys in the same
 * database. What each sees — its signer, its JWKS, its discovery document, its settings — is its
 * own, and the default issuer's HTTP answers stay as they were.
 */
describe('request contexts: two issuers in one process keep keys, discovery and settings apart', () => {
  let server: TestServer;
  let issuers: IssuerContext;
  let acme: RequestContext;

  beforeAll(async () => {
    server = await startServer();
    issuers = server.app.get(IssuerContext);
    const settings = issuerSettingsOf(buildConfig({ oauth: { token: { signing_alg: 'ES256', access_token_ttl: 60 } } }, { env: {} }));
    acme = new RequestContext('acme.example', `${server.url}/t/acme.example`, settings);
    // The second issuer's first key, made as start-up makes the default one's, and loaded.
    await issuers.run(acme, () => server.app.get(SigningKeysService).ensureSigningKey());
    await server.app.get(KeyRing).refresh();
  });

  afterAll(() => stopServer(server));

  it('signs with each issuer\'s own keys and publishes each one\'s JWKS apart', () => {
    const keyRing = server.app.get(KeyRing);
    const ours = { rs: keyRing.signer('RS256'), es: keyRing.signer('ES256'), jwks: keyRing.jwks.keys.map((key) => key.kid) };
    const theirs = issuers.run(acme, () => ({ rs: keyRing.signer('RS256'), es: keyRing.signer('ES256'), jwks: keyRing.jwks.keys.map((key) => key.kid) }));
    expect(ours.rs).toBeDefined();
    expect(ours.es).toBeUndefined();
    expect(theirs.rs).toBeUndefined();
    expect(theirs.es).toBeDefined();
    expect(theirs.jwks).toEqual([theirs.es!.kid]);
    expect(ours.jwks).toContain(ours.rs!.kid);
    expect(ours.jwks).not.toContain(theirs.es!.kid);
    // A kid of one issuer does not verify the other's tokens.
    expect(keyRing.verificationKey(theirs.es!.kid)).toBeUndefined();
    expect(issuers.run(acme, () => keyRing.verificationKey(ours.rs!.kid))).toBeUndefined();
  });

  it('builds a discovery document per issuer from its own settings, and serves the default one over HTTP unchanged', async () => {
    const discovery = server.app.get(DiscoveryController);
    const theirs = issuers.run(acme, () => discovery.openidConfiguration());
    const ours = discovery.openidConfiguration();
    expect(theirs).toMatchObject({ issuer: `${server.url}/t/acme.example`, token_endpoint: `${server.url}/t/acme.example/oauth2/token`, id_token_signing_alg_values_supported: ['ES256'] });
    expect(ours).toMatchObject({ issuer: server.url, token_endpoint: `${server.url}/oauth2/token`, id_token_signing_alg_values_supported: ['RS256'] });
    const served = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(served).toEqual(ours);
    // Built once per issuer (the live request-object encryption algs spread over it): the same again, never the other's.
    expect(issuers.run(acme, () => discovery.openidConfiguration())).toEqual(theirs);
    expect(discovery.openidConfiguration()).toEqual(ours);
  });

  it('issues under each issuer\'s settings: its issuer, alg, key and lifetime', async () => {
    const tokens = server.app.get(AccessTokenIssuer);
    const grant = { client: registeredClient(), principal: { subject: 'c1' }, scopes: [], audience: ['https://api.example.com'], senderConstraint: UNCONSTRAINED };
    const theirs = await issuers.run(acme, () => tokens.issue(grant));
    const ours = await tokens.issue(grant);
    expect(theirs.expiresIn).toBe(60);
    expect(ours.expiresIn).toBe(3600);
    expect(decodeProtectedHeader(theirs.token)).toMatchObject({ alg: 'ES256', kid: issuers.run(acme, () => server.app.get(KeyRing).signer('ES256')!.kid) });
    expect(decodeProtectedHeader(ours.token)).toMatchObject({ alg: 'RS256' });
    expect(claimsOf(theirs.token).iss).toBe(`${server.url}/t/acme.example`);
    expect(claimsOf(ours.token).iss).toBe(server.url);
  });
});
