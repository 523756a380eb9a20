import { createPrivateKey, createPublicKey, KeyObject, randomUUID, sign, X509Certificate, type JsonWebKey } from 'node:crypto';
import * as openid from 'openid-client';
import { importPKCS8 } from 'jose';
import { TruststoreService } from '../src/keys/truststore.service';
import { jwksServer, keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { selfSignedCertificate } from './support/certificates';
import { freshDatabase } from './support/database';
import { releaseAfterEach } from './support/resources';
import { createClient, startServer, TestServer, tokenRequest } from './support/server';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Signs a JWS by hand, for headers jose refuses to produce (an unknown crit). */
function signRaw(key: SigningKeyPair, header: object, payload: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), KeyObject.from(key.privateKey as never)).toString('base64url')}`;
}

function assertionRequest(server: TestServer, assertion: string, extra: Record<string, string> = {}) {
  return tokenRequest(server, { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...extra });
}

async function pkjwtClient(server: TestServer, key: SigningKeyPair, metadata: Record<string, unknown> = {}) {
  return createClient(server, {
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [key.publicJwk] },
    ...metadata,
  });
}

describe('private_key_jwt and client_secret_jwt (RFC 7523 §2.2, OIDC Core §9)', () => {
  let server: TestServer;
  let tokenEndpoint: string;
  beforeAll(async () => {
    server = await startServer();
    tokenEndpoint = `${server.url}/oauth2/token`;
  });
  afterAll(async () => {
    await server.close();
    await server.db.drop();
  });

  it.each(['RS256', 'PS256', 'ES256', 'EdDSA'])('authenticates an openid-client PrivateKeyJwt client signing %s', async (alg) => {
    const key = await keyPair(alg);
    const client = await pkjwtClient(server, key, { token_endpoint_auth_signing_alg: alg, scope: 'read' });
    const config = await openid.discovery(new URL(server.url), client.client_id, { token_endpoint_auth_signing_alg: alg }, openid.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }), {
      execute: [openid.allowInsecureRequests],
    });
    const tokens = await openid.clientCredentialsGrant(config, { scope: 'read' });
    expect(tokens.scope).toBe('read');
  });

  it('authenticates an openid-client ClientSecretJwt client', async () => {
    const client = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_jwt' });
    const config = await openid.discovery(new URL(server.url), client.client_id, undefined, openid.ClientSecretJwt(client.client_secret!), {
      execute: [openid.allowInsecureRequests],
    });
    expect((await openid.clientCredentialsGrant(config)).access_token).toBeDefined();
  });

  it('advertises both methods and their algorithms in discovery', async () => {
    const document = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as {
      token_endpoint_auth_methods_supported: string[];
      token_endpoint_auth_signing_alg_values_supported: string[];
    };
    expect(document.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['private_key_jwt', 'client_secret_jwt']));
    expect(document.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256']));
    expect(document.token_endpoint_auth_signing_alg_values_supported).not.toContain('none');
  });

  it('follows the seed flow: a certificate imported with alias = client_id verifies the assertion', async () => {
    const client = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt' });
    const { certPem, keyPem } = selfSignedCertificate(server.db.dir, `seed-${client.client_id}`);
    await server.app.get(TruststoreService).import(client.client_id, certPem);
    const privateKey = await importPKCS8(createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256');
    const assertion = await signAssertion({ privateKey, alg: 'RS256' }, { iss: client.client_id, sub: client.client_id, aud: tokenEndpoint });
    const { status, body } = await assertionRequest(server, assertion);
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
  });

  it('takes an x5c only as a pointer to the certificate pinned for a private_key_jwt client, and refuses it for client_secret_jwt', async () => {
    const der = (pem: string) => new X509Certificate(pem).raw.toString('base64');
    const client = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt' });
    const { certPem, keyPem } = selfSignedCertificate(server.db.dir, `x5c-${client.client_id}`);
    await server.app.get(TruststoreService).import(client.client_id, certPem);
    const signer = { privateKey: await importPKCS8(createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'), alg: 'RS256' };
    const claims = { iss: client.client_id, sub: client.client_id, aud: tokenEndpoint };
    const refused = { status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } };
    expect((await assertionRequest(server, await signAssertion(signer, claims, { x5c: [der(certPem)] }))).status).toBe(200);
    const other = selfSignedCertificate(server.db.dir, `x5c-other-${client.client_id}`);
    expect(await assertionRequest(server, await signAssertion(signer, claims, { x5c: [der(other.certPem)] }))).toMatchObject(refused);

    // An HMAC assertion has nothing to pin: an x5c is a key the header brings, and refused.
    const hmacClient = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_jwt' });
    const secret = { privateKey: new TextEncoder().encode(hmacClient.client_secret!), alg: 'HS256' };
    const hmacClaims = { iss: hmacClient.client_id, sub: hmacClient.client_id, aud: tokenEndpoint };
    expect(await assertionRequest(server, await signAssertion(secret, hmacClaims, { x5c: [der(certPem)] }))).toMatchObject(refused);
    expect((await assertionRequest(server, await signAssertion(secret, hmacClaims))).status).toBe(200);
  });

  it('checks an assertion without kid against each registered key of a matching type', async () => {
    const [first, second] = [await keyPair('ES256'), await keyPair('ES256')];
    const client = await createClient(server, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [first.publicJwk, second.publicJwk] },
    });
    const assertion = await signAssertion({ privateKey: second.privateKey, alg: 'ES256' }, { iss: client.client_id, sub: client.client_id, aud: tokenEndpoint });
    expect((await assertionRequest(server, assertion)).status).toBe(200);
  });

  it('accepts the issuer identifier as aud (RFC 7523bis) and a one-hour assertion', async () => {
    const key = await keyPair('ES256');
    const client = await pkjwtClient(server, key);
    const now = Math.floor(Date.now() / 1000);
    const assertion = await signAssertion(key, { iss: client.client_id, sub: client.client_id, aud: server.url, iat: now, exp: now + 3600 });
    expect((await assertionRequest(server, assertion)).status).toBe(200);
  });

  describe('rejects with 401 invalid_client (or invalid_request)', () => {
    let key: SigningKeyPair;
    let clientId: string;
    beforeAll(async () => {
      key = await keyPair('RS256');
      clientId = (await pkjwtClient(server, key)).client_id;
    });
    const claims = () => ({ iss: clientId, sub: clientId, aud: tokenEndpoint });
    const now = () => Math.floor(Date.now() / 1000);

    it.each([
      ['an expired assertion', async () => signAssertion(key, { ...claims(), iat: now() - 1000, exp: now() - 400 }), 'assertion has expired'],
      ['a wrong aud', async () => signAssertion(key, { ...claims(), aud: 'https://elsewhere.example/token' }), () => `assertion aud does not name this server (expected '${tokenEndpoint}' or '${server.url}' or '${server.url}/oauth2/par')`],
      ['iss different from sub', async () => signAssertion(key, { ...claims(), iss: 'someone-else' }), 'client authentication failed' /* before the signature: no detail */],
      ['no exp', async () => signAssertion(key, { ...claims(), exp: undefined }), 'assertion has no numeric exp claim'],
      ['no jti while PreventTokenReuse is on', async () => signAssertion(key, { ...claims(), jti: undefined }), 'assertion has no jti, which single-use checking requires'],
      ['a future nbf', async () => signAssertion(key, { ...claims(), nbf: now() + 600 }), 'assertion is not yet valid (nbf)'],
      ['a future iat', async () => signAssertion(key, { ...claims(), iat: now() + 600, exp: now() + 900 }), 'assertion iat is in the future'],
      ['a lifetime over the cap', async () => signAssertion(key, { ...claims(), exp: now() + 7200 }), 'assertion lifetime exceeds 3600 s (max_allowed_jwt_lifetime_seconds)'],
      ['an iat older than RejectBeforeInMinutes (300)', async () => signAssertion(key, { ...claims(), iat: now() - 301 * 60, exp: now() + 60 }), 'assertion was issued too long ago (iat older than RejectBeforeInMinutes = 300 minutes)'],
      ['an oversize assertion', async () => signAssertion(key, { ...claims(), padding: 'x'.repeat(9000) }), 'client authentication failed' /* before the signature: no detail */],
      ['an unknown critical header', async () => signRaw(key, { alg: 'RS256', kid: key.kid, crit: ['urn:example:ext'], 'urn:example:ext': 1 }, { ...claims(), exp: now() + 60, jti: randomUUID() }), 'client authentication failed' /* before the signature: no detail */],
    ])('%s', async (_, make, description) => {
      const { status, body } = await assertionRequest(server, await make());
      expect(status).toBe(401);
      expect(body).toEqual({ error: 'invalid_client', error_description: typeof description === 'function' ? description() : description });
    });

    it('alg none', async () => {
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${encode({ alg: 'none' })}.${encode({ ...claims(), exp: now() + 60, jti: randomUUID() })}.`;
      const { status, body } = await assertionRequest(server, unsigned);
      expect(status).toBe(401);
      expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    });

    it('HS256 signed with the client\'s RSA public key as the HMAC secret (alg confusion)', async () => {
      const publicPem = createPublicKey({ key: key.publicJwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const forged = await signAssertion({ privateKey: new Uint8Array(Buffer.from(publicPem)), alg: 'HS256' }, claims());
      const { status, body } = await assertionRequest(server, forged);
      expect(status).toBe(401);
      expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    });

    it('a key supplied in the header (jwk)', async () => {
      const attacker = await keyPair('RS256');
      const forged = await signAssertion(attacker, claims(), { jwk: attacker.publicJwk } as never);
      const { status, body } = await assertionRequest(server, forged);
      expect(status).toBe(401);
      expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    });

    it('a signature by an unregistered key, with the same answer as for an unknown client', async () => {
      const attacker = await keyPair('RS256', key.kid);
      const forged = await assertionRequest(server, await signAssertion(attacker, claims()));
      const unknown = await assertionRequest(server, await signAssertion(attacker, { iss: 'nobody', sub: 'nobody', aud: tokenEndpoint }));
      for (const { status, body } of [forged, unknown]) {
        expect(status).toBe(401);
        expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
      }
    });

    it('a wrong client_assertion_type', async () => {
      const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials', client_assertion_type: 'urn:example:other', client_assertion: await signAssertion(key, claims()) });
      expect(status).toBe(401);
      expect(body.error_description).toBe('client authentication failed'); // before a signature verified, no detail
    });

    it('an assertion together with a Basic header (two methods) with invalid_request', async () => {
      const both = await tokenRequest(
        server,
        { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await signAssertion(key, claims()) },
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      );
      expect(both.status).toBe(400);
      expect(both.body.error).toBe('invalid_request');
    });

    it('a second use of the same assertion', async () => {
      const assertion = await signAssertion(key, claims());
      expect((await assertionRequest(server, assertion)).status).toBe(200);
      const { status, body } = await assertionRequest(server, assertion);
      expect(status).toBe(401);
      expect(body).toEqual({ error: 'invalid_client', error_description: 'assertion jti has been used already' });
    });
  });
});

describe('private_key_jwt replay protection under concurrency', () => {
  const release = releaseAfterEach();

  it('lets exactly one of 20 parallel uses of an assertion through, and still refuses it after a restart', async () => {
    const db = freshDatabase();
    release(() => db.drop());
    let server = await startServer({}, db);
    release(() => server.close());
    const key = await keyPair('ES256');
    const client = await pkjwtClient(server, key);
    const assertion = await signAssertion(key, { iss: client.client_id, sub: client.client_id, aud: `${server.url}/oauth2/token` });
    const results = await Promise.all(Array.from({ length: 20 }, () => assertionRequest(server, assertion)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 401);
    expect(refused).toHaveLength(19);
    expect(new Set(refused.map((r) => r.body.error))).toEqual(new Set(['invalid_client']));

    await server.close();
    server = await startServer({ server: { port: new URL(server.url).port, base_url: server.url } }, db);
    release(() => server.close());
    const again = await assertionRequest(server, assertion);
    expect(again.status).toBe(401);
    expect(again.body.error_description).toBe('assertion jti has been used already');
  });
});

describe('private_key_jwt replay protection across instances', () => {
  const release = releaseAfterEach();

  it('lets exactly one of 20 uses spread over two instances on one database through', async () => {
    const db = freshDatabase();
    release(() => db.drop());
    const a = await startServer({}, db);
    release(() => a.close());
    // The second instance shares the issuer, as instances behind one load balancer do.
    const b = await startServer({ server: { base_url: a.url } }, db);
    release(() => b.close());
    const key = await keyPair('ES256');
    const client = await pkjwtClient(a, key);
    const assertion = await signAssertion(key, { iss: client.client_id, sub: client.client_id, aud: `${a.url}/oauth2/token` });
    expect(b.url).not.toBe(a.url); // b listens on a port of its own
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => assertionRequest(i % 2 ? a : b, assertion)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(19);
  });
});

describe('the seed\'s [[event_listener]] block for PrivateKeyJWTClientAuthenticator', () => {
  const seedBlock = {
    event_listener: [
      {
        id: 'private_key_jwt_authenticator',
        type: 'org.wso2.carbon.identity.core.handler.AbstractIdentityHandler',
        name: 'org.wso2.carbon.identity.oauth2.token.handler.clientauth.jwt.PrivateKeyJWTClientAuthenticator',
        order: '899',
        properties: { PreventTokenReuse: false, RejectBeforeInMinutes: '100', TokenEndpointAlias: 'sampleurl' },
      },
    ],
    cache: { manager: [{ name: 'PrivateKeyJWT', timeout: '10', capacity: '5000' }] },
  };

  it('accepts a reused jti, aud = TokenEndpointAlias and an iat 90 minutes old; rejects an iat 101 minutes old', async () => {
    const server = await startServer(seedBlock);
    try {
      const key = await keyPair('RS256');
      const client = await pkjwtClient(server, key);
      const claims = { iss: client.client_id, sub: client.client_id, aud: 'sampleurl' };
      const assertion = await signAssertion(key, claims);
      expect((await assertionRequest(server, assertion)).status).toBe(200);
      expect((await assertionRequest(server, assertion)).status).toBe(200);

      const now = Math.floor(Date.now() / 1000);
      const old = await signAssertion(key, { ...claims, iat: now - 101 * 60, exp: now + 60 });
      const { status, body } = await assertionRequest(server, old);
      expect(status).toBe(401);
      expect(body.error_description).toBe('assertion was issued too long ago (iat older than RejectBeforeInMinutes = 100 minutes)');
      // The seed taken literally: RejectBeforeInMinutes alone widens the lifetime cap to match it.
      const ninety = await signAssertion(key, { ...claims, iat: now - 90 * 60, exp: now + 60 });
      expect((await assertionRequest(server, ninety)).status).toBe(200);
      const longer = await signAssertion(key, { ...claims, iat: now - 10, exp: now + 101 * 60 });
      expect((await assertionRequest(server, longer)).body.error_description).toBe('assertion lifetime exceeds RejectBeforeInMinutes = 100 minutes (the lifetime cap follows it)');
    } finally {
      await server.close();
      await server.db.drop();
    }
  });

  it('without the block: rejects reuse and an aud of "sampleurl"', async () => {
    const server = await startServer();
    try {
      const key = await keyPair('RS256');
      const client = await pkjwtClient(server, key);
      const alias = await signAssertion(key, { iss: client.client_id, sub: client.client_id, aud: 'sampleurl' });
      expect((await assertionRequest(server, alias)).body.error_description).toBe(`assertion aud does not name this server (expected '${server.url}/oauth2/token' or '${server.url}' or '${server.url}/oauth2/par')`);
    } finally {
      await server.close();
      await server.db.drop();
    }
  });

  it('stops start-up when an explicit lifetime cap is stricter than RejectBeforeInMinutes, naming both', async () => {
    await expect(
      startServer({ event_listener: [{ id: 'private_key_jwt_authenticator', properties: { RejectBeforeInMinutes: 100, max_allowed_jwt_lifetime_seconds: 3600 } }] }),
    ).rejects.toThrow(/max_allowed_jwt_lifetime_seconds = 3600 s is shorter than RejectBeforeInMinutes = 100 minutes/);
  });

  it('stops start-up on a bad property, naming it', async () => {
    await expect(
      startServer({ event_listener: [{ id: 'private_key_jwt_authenticator', properties: { RejectBeforeInMinutes: 'soon', Colour: 'x' } }] }),
    ).rejects.toThrow(/event_listener\[0\] id = "private_key_jwt_authenticator": invalid properties: .*properties\.RejectBeforeInMinutes = "soon": must be an integer/);
  });
});

describe('private_key_jwt with a jwks_uri', () => {
  const release = releaseAfterEach();

  it('fetches the client\'s keys and follows a key rotation (new kid)', async () => {
    const first = await keyPair('ES256');
    const jwks = await jwksServer([first.publicJwk]);
    release(() => jwks.close());
    const server = await startServer({ oauth: { outbound: { allow_http: true, allow_private_networks: true, jwks_refetch_cooldown: 1 } } });
    release(async () => {
      await server.close();
      await server.db.drop();
    });
    const client = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwks.url });
    const claims = { iss: client.client_id, sub: client.client_id, aud: `${server.url}/oauth2/token` };
    expect((await assertionRequest(server, await signAssertion(first, claims))).status).toBe(200);
    expect((await assertionRequest(server, await signAssertion(first, claims))).status).toBe(200);
    expect(jwks.hits()).toBe(1); // cached

    const second = await keyPair('ES256');
    jwks.setKeys([second.publicJwk]);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the refetch cooldown
    expect((await assertionRequest(server, await signAssertion(second, claims))).status).toBe(200);
    expect(jwks.hits()).toBe(2);
  });

  it('keeps the keys it holds when the jwks_uri answers 500: only an assertion with a made-up kid is refused', async () => {
    const key = await keyPair('ES256');
    const jwks = await jwksServer([key.publicJwk]);
    release(() => jwks.close());
    const server = await startServer({ oauth: { outbound: { allow_http: true, allow_private_networks: true, jwks_refetch_cooldown: 1 } } });
    release(async () => {
      await server.close();
      await server.db.drop();
    });
    const client = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwks.url });
    const claims = { iss: client.client_id, sub: client.client_id, aud: `${server.url}/oauth2/token` };
    expect((await assertionRequest(server, await signAssertion(key, claims))).status).toBe(200);

    jwks.setStatus(500);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the refetch cooldown: the made-up kid prompts a fetch
    const junk = await signAssertion({ ...(await keyPair('ES256')), kid: randomUUID() }, claims);
    expect(await assertionRequest(server, junk)).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } });
    expect(jwks.hits()).toBe(2);
    for (let i = 0; i < 3; i++) expect((await assertionRequest(server, await signAssertion(key, claims))).status).toBe(200);
  });

  it('refuses an http or loopback jwks_uri unless [oauth.outbound] allows it', async () => {
    const key = await keyPair('ES256');
    const jwks = await jwksServer([key.publicJwk]);
    release(() => jwks.close());
    const server = await startServer();
    release(async () => {
      await server.close();
      await server.db.drop();
    });
    const client = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwks.url });
    const { status, body } = await assertionRequest(server, await signAssertion(key, { iss: client.client_id, sub: client.client_id, aud: `${server.url}/oauth2/token` }));
    expect(status).toBe(401);
    expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(jwks.hits()).toBe(0);
  });
});
