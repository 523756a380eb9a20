import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { createRemoteJWKSet, importPKCS8, jwtVerify, type CryptoKey } from 'jose';
import type { ClientView } from '../src/clients/clients.service';
import { jwksServer, keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { selfSignedCertificate, writeText } from './support/certificates';
import { cli } from './support/cli';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

/** Before the signature verified, every refusal reads the same: no oracle for forged assertions. */
const UNVERIFIED = 'the assertion is not valid';
const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const now = () => Math.floor(Date.now() / 1000);

describe('JWT bearer grant (RFC 7523 §2.1) with trusted identity providers', () => {
  let server: TestServer;
  let admin: string;
  let client: ClientView;
  let idpKey: { privateKey: CryptoKey; alg: string };
  /** The provider's certificate, base64 DER, as an `x5c` header would carry it. */
  let idpCertificate: string;
  let tokenEndpoint: string;

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${server.url}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** The seed's request: Basic client authentication, grant_type and assertion in the body. */
  function exchange(assertion: string, extra: Record<string, string> = {}, who: ClientView = client) {
    return tokenRequest(server, { grant_type: GRANT, assertion, ...extra }, { authorization: basic(who.client_id, who.client_secret!) });
  }

  beforeAll(async () => {
    server = await startServer({ oauth: { outbound: { allow_http: true, allow_private_networks: true, jwks_refetch_cooldown: 1 } } });
    tokenEndpoint = `${server.url}/oauth2/token`;
    admin = await adminToken(server);
    client = await createClient(server, { grant_types: [GRANT], scope: 'orders:read orders:write' });
    // The seed's provider: "jwtIDP", verified by an uploaded public certificate.
    const { certPem, keyPem } = selfSignedCertificate(server.db.dir, 'jwtIDP');
    idpCertificate = new X509Certificate(certPem).raw.toString('base64');
    idpKey = { privateKey: await importPKCS8(createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'), alg: 'RS256' };
    const created = await api('POST', '/identity-providers', { name: 'jwtIDP', issuer: 'jwtIDP', certificate: certPem, claim_mappings: { email: 'email' } });
    expect(created.status).toBe(201);
    expect(created.body.alias).toBe(tokenEndpoint); // the default alias is exactly the token endpoint
  });
  afterAll(() => stopServer(server));

  const seedClaims = () => ({ iss: 'jwtIDP', sub: 'admin', aud: [tokenEndpoint], nbf: now(), iat: now(), exp: now() + 600, jti: `Token${randomUUID()}` });

  it('exchanges the seed\'s assertion for an access token whose sub is the assertion\'s sub', async () => {
    const { status, body, headers } = await exchange(await signAssertion(idpKey, { ...seedClaims(), email: 'admin@example.com', groups: ['x'] }));
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'orders:read orders:write' });
    expect(body.refresh_token).toBeUndefined();
    const { payload } = await jwtVerify(body.access_token as string, createRemoteJWKSet(new URL(`${server.url}/oauth2/jwks`)), { issuer: server.url });
    expect(payload).toMatchObject({ sub: 'admin', client_id: client.client_id, email: 'admin@example.com' });
    expect(payload.groups).toBeUndefined(); // only mapped claims pass
  });

  it('limits scopes to what the client may request', async () => {
    const narrowed = await exchange(await signAssertion(idpKey, seedClaims()), { scope: 'orders:read' });
    expect(narrowed.body.scope).toBe('orders:read');
    const refused = await exchange(await signAssertion(idpKey, seedClaims()), { scope: 'admin' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_scope');
  });

  it('lists the grant in discovery', async () => {
    const document = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] };
    expect(document.grant_types_supported).toEqual(['client_credentials', 'authorization_code', GRANT, 'refresh_token']);
  });

  it('requires client authentication and the grant in the client\'s grant_types', async () => {
    const noAuth = await tokenRequest(server, { grant_type: GRANT, assertion: await signAssertion(idpKey, seedClaims()) });
    expect(noAuth.status).toBe(401);
    const other = await createClient(server, { grant_types: ['client_credentials'] });
    const refused = await exchange(await signAssertion(idpKey, seedClaims()), {}, other);
    expect(refused.body).toEqual({ error: 'unauthorized_client', error_description: `this client is not allowed to use grant_type ${GRANT}` });
  });

  describe('rejects with invalid_grant', () => {
    const cases: [string, () => Promise<string>, string | (() => string)][] = [
      ['no iss', () => signAssertion(idpKey, { ...seedClaims(), iss: undefined }), UNVERIFIED], // no iss: no signer to verify with
      ['no sub', () => signAssertion(idpKey, { ...seedClaims(), sub: undefined }), 'assertion has no sub claim'],
      ['no aud', () => signAssertion(idpKey, { ...seedClaims(), aud: undefined }), 'assertion has no aud claim'],
      ['no exp', () => signAssertion(idpKey, { ...seedClaims(), exp: undefined }), 'assertion has no exp claim'],
      ['an aud without the alias', () => signAssertion(idpKey, { ...seedClaims(), aud: 'https://elsewhere.example/token' }), () => `assertion aud does not name this server (expected '${server.url}/oauth2/token')`],
      ['an expired assertion', () => signAssertion(idpKey, { ...seedClaims(), iat: now() - 900, nbf: undefined, exp: now() - 301 }), 'assertion has expired'],
      ['a future nbf', () => signAssertion(idpKey, { ...seedClaims(), nbf: now() + 600 }), 'assertion is not yet valid (nbf)'],
      ['an iat older than iat_validity_period (30 min)', () => signAssertion(idpKey, { ...seedClaims(), nbf: undefined, iat: now() - 31 * 60 }), 'assertion was issued too long ago (iat older than iat_validity_period = 30 minutes)'],
      ['a lifetime over 24 h', () => signAssertion(idpKey, { ...seedClaims(), exp: now() + 86401 }), 'assertion lifetime exceeds max_assertion_lifetime = 86400 s'],
      ['an unknown issuer', () => signAssertion(idpKey, { ...seedClaims(), iss: 'stranger' }), UNVERIFIED],
      ['no jti and no iat', () => signAssertion(idpKey, { ...seedClaims(), jti: undefined, iat: undefined }), 'an assertion without jti must carry an iat within the iat validity period'],
      ['a key in the header', async () => {
        const attacker = await keyPair('RS256');
        return signAssertion(attacker, seedClaims(), { jwk: attacker.publicJwk } as never);
      }, UNVERIFIED],
      // DESIGN: header keys are refused unless pinned; a provider's assertions pin nothing, so even its own certificate is refused.
      ['an x5c in the header', () => signAssertion(idpKey, seedClaims(), { x5c: [idpCertificate] }), UNVERIFIED],
      ['a signature by another key', async () => signAssertion(await keyPair('RS256'), seedClaims()), UNVERIFIED],
      ['alg none', async () => {
        const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return `${encode({ alg: 'none' })}.${encode(seedClaims())}.`;
      }, UNVERIFIED],
      ['an encrypted assertion (JWE)', async () => 'a.b.c.d.e', 'encrypted assertions (JWE) are not accepted: this server has no encryption key configured'],
      ['something that is not a JWT', async () => 'not-a-jwt', UNVERIFIED],
    ];
    it.each(cases)('%s', async (_, make, description) => {
      const { status, body } = await exchange(await make());
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_grant', error_description: typeof description === 'function' ? description() : description });
    });

    it('a missing assertion (invalid_request)', async () => {
      const { status, body } = await tokenRequest(server, { grant_type: GRANT }, { authorization: basic(client.client_id, client.client_secret!) });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_request', error_description: 'assertion is required' });
    });

    it('a second use of the same jti', async () => {
      const assertion = await signAssertion(idpKey, seedClaims());
      expect((await exchange(assertion)).status).toBe(200);
      expect((await exchange(assertion)).body).toEqual({ error: 'invalid_grant', error_description: 'assertion jti has been used already' });
    });

    it('a disabled identity provider', async () => {
      const { certPem, keyPem } = selfSignedCertificate(server.db.dir, 'sleepy');
      const created = await api('POST', '/identity-providers', { name: 'sleepy', issuer: 'sleepy', certificate: certPem, enabled: false });
      expect(created.body.enabled).toBe(false);
      const key = { privateKey: await importPKCS8(createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'), alg: 'RS256' };
      const { body } = await exchange(await signAssertion(key, { ...seedClaims(), iss: 'sleepy' }));
      expect(body).toEqual({ error: 'invalid_grant', error_description: UNVERIFIED });
      await api('PATCH', `/identity-providers/${created.body.id}`, { enabled: true });
      expect((await exchange(await signAssertion(key, { ...seedClaims(), iss: 'sleepy' }))).status).toBe(200);
    });
  });

  it('accepts an assertion without jti inside the iat window', async () => {
    const assertion = await signAssertion(idpKey, { ...seedClaims(), jti: undefined });
    expect((await exchange(assertion)).status).toBe(200);
  });

  it('lets exactly one of 20 concurrent uses of one assertion through', async () => {
    const assertion = await signAssertion(idpKey, seedClaims());
    const results = await Promise.all(Array.from({ length: 20 }, () => exchange(assertion)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 400);
    expect(refused).toHaveLength(19);
    expect(new Set(refused.map((r) => r.body.error_description))).toEqual(new Set(['assertion jti has been used already']));
  });

  it('verifies a provider by its JWKS URI and follows its key rotation (new kid)', async () => {
    const first = await keyPair('ES256');
    const jwks = await jwksServer([first.publicJwk]);
    try {
      expect((await api('POST', '/identity-providers', { name: 'jwks-idp', issuer: 'https://idp.example', jwks_uri: jwks.url })).status).toBe(201);
      const claims = () => ({ ...seedClaims(), iss: 'https://idp.example' });
      expect((await exchange(await signAssertion(first, claims()))).status).toBe(200);
      const second: SigningKeyPair = await keyPair('ES256');
      jwks.setKeys([second.publicJwk]);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the refetch cooldown
      const rotated = await exchange(await signAssertion(second, claims()));
      expect(rotated.status).toBe(200);
      expect(jwks.hits()).toBe(2);
    } finally {
      await jwks.close();
    }
  });

  it('verifies a provider by a truststore alias', async () => {
    const { certPem, keyPem } = selfSignedCertificate(server.db.dir, 'trusted');
    expect((await api('POST', '/certificates', { alias: 'trusted-idp', certificate: certPem })).status).toBe(201);
    expect((await api('POST', '/identity-providers', { name: 'by-alias', issuer: 'by-alias', certificate_alias: 'trusted-idp' })).status).toBe(201);
    const key = { privateKey: await importPKCS8(createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'), alg: 'RS256' };
    expect((await exchange(await signAssertion(key, { ...seedClaims(), iss: 'by-alias' }))).status).toBe(200);
  });

  describe('admin API /identity-providers', () => {
    it('lists, gets, patches and deletes providers', async () => {
      const { certPem } = selfSignedCertificate(server.db.dir, 'crud');
      const created = await api('POST', '/identity-providers', { name: 'crud', issuer: 'crud-iss', certificate: certPem, alias: 'https://as.example/token' });
      expect(created.body).toMatchObject({ name: 'crud', issuer: 'crud-iss', alias: 'https://as.example/token', enabled: true });
      const listed = await api('GET', '/identity-providers?limit=200');
      expect(listed.body.items.map((p: { id: string }) => p.id)).toContain(created.body.id);
      expect((await api('GET', `/identity-providers/${created.body.id}`)).body.issuer).toBe('crud-iss');
      const patched = await api('PATCH', `/identity-providers/${created.body.id}`, { jwks_uri: 'https://crud.example/jwks' });
      expect(patched.body).toMatchObject({ jwks_uri: 'https://crud.example/jwks', certificate: null });
      expect((await api('POST', '/identity-providers', { name: 'crud', issuer: 'other', jwks_uri: 'https://x.example/jwks' })).status).toBe(409);
      expect((await api('DELETE', `/identity-providers/${created.body.id}`)).status).toBe(204);
      expect((await api('GET', `/identity-providers/${created.body.id}`)).status).toBe(404);
    });

    it.each([
      [{ issuer: 'x', jwks_uri: 'https://x.example/jwks' }, 'name is required'],
      [{ name: 'x', issuer: 'x' }, 'exactly one of jwks_uri, certificate (PEM) or certificate_alias is required'],
      [{ name: 'x', issuer: 'x', jwks_uri: 'https://x.example/jwks', certificate_alias: 'a' }, 'exactly one of jwks_uri, certificate (PEM) or certificate_alias is required'],
      [{ name: 'x', issuer: 'x', certificate: 'not pem' }, 'certificate must be a PEM-encoded X.509 certificate'],
      [{ name: 'x', issuer: 'x', jwks_uri: 'https://x.example/jwks', signing_algs: ['HS256'] }, 'signing_algs must be a non-empty array of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519'],
      [{ name: 'x', issuer: 'x', jwks_uri: 'https://x.example/jwks', claim_mappings: { email: 'sub' } }, 'claim_mappings cannot set the registered claim sub'],
    ])('rejects %j', async (input, description) => {
      const { status, body } = await api('POST', '/identity-providers', input);
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_request', error_description: description });
    });
  });
});

describe('[oauth.grant_type.jwt_bearer] from a WSO2 deployment file', () => {
  it('loads the seed\'s block with the Java class names and serves the grant', async () => {
    const server = await startServer({
      oauth: {
        grant_type: {
          jwt_bearer: {
            enable: true,
            grant_handler: 'org.wso2.carbon.identity.oauth2.grant.jwt.JWTBearerGrantHandler',
            grant_validator: 'org.wso2.carbon.identity.oauth2.grant.jwt.JWTGrantValidator',
            enable_iat_validation: 'true',
            iat_validity_period: '30',
          },
        },
      },
    });
    try {
      const document = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
      expect(document.grant_types_supported).toContain(GRANT);
    } finally {
      await server.close();
      await server.db.drop();
    }
  });

  it('turns the grant off with enable = false', async () => {
    const server = await startServer({ oauth: { grant_type: { jwt_bearer: { enable: false } } } });
    try {
      const { body } = await tokenRequest(server, { grant_type: GRANT, assertion: 'x' }, { authorization: basic('a', 'b') });
      expect(body.error).toBe('unsupported_grant_type');
    } finally {
      await server.close();
      await server.db.drop();
    }
  });

  it('refuses an unknown grant_handler class or a missing module at start-up, naming it', async () => {
    await expect(startServer({ oauth: { grant_type: { jwt_bearer: { grant_handler: 'com.example.MyHandler' } } } })).rejects.toThrow(
      '[oauth.grant_type.jwt_bearer] grant_handler = "com.example.MyHandler": neither a module path nor the WSO2 class of the built-in',
    );
    await expect(startServer({ oauth: { grant_type: { jwt_bearer: { grant_handler: './my-handler.js' } } } })).rejects.toThrow(/my-handler\.js: no such file/);
  });

  it('honours enable_iat_validation = false and a longer iat_validity_period', async () => {
    const server = await startServer({ oauth: { grant_type: { jwt_bearer: { iat_validity_period: 120 } } } });
    const key = await keyPair('ES256');
    const jwks = await jwksServer([key.publicJwk]);
    try {
      const { IdentityProvidersService } = await import('../src/identity-providers/identity-providers.service');
      const { parseIdentityProviderInput } = await import('../src/identity-providers/identity-provider-input');
      await server.app.get(IdentityProvidersService).create(parseIdentityProviderInput({ name: 'p', issuer: 'p', jwks_uri: jwks.url, allow_insecure_jwks_uri: true }));
      const client = await createClient(server, { grant_types: [GRANT] });
      const assertion = await signAssertion(key, { iss: 'p', sub: 'u', aud: `${server.url}/oauth2/token`, iat: now() - 90 * 60, exp: now() + 60 });
      const { status } = await tokenRequest(server, { grant_type: GRANT, assertion }, { authorization: basic(client.client_id, client.client_secret!) });
      expect(status).toBe(200);
    } finally {
      await jwks.close();
      await server.close();
      await server.db.drop();
    }
  });
});

describe('grantry idps', () => {
  it('creates, lists, shows and deletes identity providers', async () => {
    const server = await startServer();
    await server.close();
    const db = server.db;
    try {
      const schema = db.schema ? `schema = "${db.schema}"\n` : '';
      const config = writeText(db.dir, 'idps.toml', `[database]\nurl = "${db.url}"\n${schema}[security]\nmaster_key = "${db.masterKey}"\n`);
      const { certFile } = selfSignedCertificate(db.dir, 'cli-idp');
      const created = await cli(['idps', 'create', '--name', 'jwtIDP', '--issuer', 'jwtIDP', '--certificate-file', certFile, '--claim-mapping', 'email=email', '--json', '--config', config]);
      expect(created.stderr).toBe('');
      const idp = JSON.parse(created.stdout);
      expect(idp).toMatchObject({ name: 'jwtIDP', issuer: 'jwtIDP', enabled: true, claim_mappings: { email: 'email' } });
      expect(JSON.parse((await cli(['idps', 'list', '--json', '--config', config])).stdout)).toHaveLength(1);
      expect(JSON.parse((await cli(['idps', 'show', idp.id, '--json', '--config', config])).stdout).id).toBe(idp.id);
      expect((await cli(['idps', 'delete', idp.id, '--config', config])).status).toBe(0);
      expect(JSON.parse((await cli(['idps', 'list', '--json', '--config', config])).stdout)).toHaveLength(0);
    } finally {
      await db.drop();
    }
  });
});
