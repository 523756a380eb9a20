import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, type JsonWebKey } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, importPKCS8, jwtVerify, type CryptoKey, type JWK, type JWTVerifyGetKey } from 'jose';
import type { ClientView } from '../src/clients/clients.service';
import { EncryptionKeysService } from '../src/keys/encryption-keys.service';
import { KeyRing } from '../src/keys/key-ring';
import { UsersService } from '../src/users/users.service';
import { parseUserInput } from '../src/users/user-input';
import { jwksServer, signAssertion } from './support/assertions';
import { selfSignedCertificate, writeText } from './support/certificates';
import { cli } from './support/cli';
import { TestBrowser } from './support/browser';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

// jose as it is, but with its JWE decryption counted: the hostile JWEs below must never reach it.
jest.mock('jose', () => {
  const actual = jest.requireActual<typeof import('jose')>('jose');
  return { __esModule: true, ...actual, compactDecrypt: jest.fn(actual.compactDecrypt) };
});

const REDIRECT = 'https://rp.example/callback';
const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object | string | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url');

/**
 * JWE (issue 14 item 4): grantry's own encryption keys (JWKS `use: "enc"`, CLI, admin API), nested
 * JWT bearer assertions decrypted with them, hostile JWEs refused before any crypto, and ID tokens
 * and userinfo encrypted to a client's key — each checked by a relying party's steps with `jose`.
 */
describe('JWE: encryption keys, nested assertions, encrypted ID tokens and userinfo', () => {
  let server: TestServer;
  let admin: string;
  let rpKey: { privateKey: CryptoKey; publicJwk: JWK };
  let rp: ClientView;
  let serverJwks: () => Promise<JWTVerifyGetKey>;

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${server.url}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function jwks(): Promise<JWK[]> {
    return ((await (await fetch(`${server.url}/oauth2/jwks`)).json()) as { keys: JWK[] }).keys;
  }

  beforeAll(async () => {
    server = await startServer({
      users: { scrypt_log_n: 14, scrypt_p: 1 },
      keys: { refresh_interval: 1 },
      oauth: { outbound: { allow_http: true, allow_private_networks: true, jwks_refetch_cooldown: 1 }, grant_type: { implicit: { enable: true } } },
    });
    admin = await adminToken(server);
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery', claims: { email: 'alice@example.com', name: 'Alice A' } }, true));
    const pair = await generateKeyPair('RSA-OAEP-256', { extractable: true });
    rpKey = { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'rp-enc-1', use: 'enc', alg: 'RSA-OAEP-256' } };
    const signing = await generateKeyPair('ES256', { extractable: true });
    // An admin-created client whose jwks holds a signing key and an RSA-OAEP-256 encryption key.
    const created = await api('POST', '/clients', {
      client_name: 'Encrypted RP',
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code', 'code id_token'],
      redirect_uris: [REDIRECT],
      scope: 'openid profile email',
      jwks: { keys: [{ ...(await exportJWK(signing.publicKey)), kid: 'rp-sig-1', use: 'sig', alg: 'ES256' }, rpKey.publicJwk] },
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      id_token_encrypted_response_enc: 'A256GCM',
      userinfo_encrypted_response_alg: 'RSA-OAEP-256',
    });
    expect(created.status).toBe(201);
    rp = created.body;
    serverJwks = async () => createLocalJWKSet({ keys: await jwks() });
  });
  afterAll(() => stopServer(server));

  /** Signs alice in and consents; returns the redirect back to the client. */
  async function signIn(params: Record<string, string>): Promise<URL> {
    const browser = new TestBrowser(server.url);
    const url = new URL(`${server.url}/oauth2/authorize`);
    for (const [name, value] of Object.entries({ client_id: rp.client_id, redirect_uri: REDIRECT, scope: 'openid profile email', ...params })) url.searchParams.set(name, value);
    const login = await browser.follow(url.toString());
    expect(login.status).toBe(200);
    let page = await browser.submit(login, { username: 'alice', password: 'correct horse battery' });
    if (!page.location?.startsWith(REDIRECT)) page = await browser.submit(page, { decision: 'approve' });
    expect(page.location).toMatch(/^https:\/\/rp\.example\/callback/);
    return new URL(page.location!);
  }

  /** The relying party's steps: decrypt with its private key, then verify the signed JWT inside against the server's JWKS. */
  async function openAsRp(jwe: string, audience: string) {
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'RSA-OAEP-256', kid: 'rp-enc-1', cty: 'JWT' });
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, rpKey.privateKey, { keyManagementAlgorithms: ['RSA-OAEP-256'] });
    const { payload, protectedHeader: signedHeader } = await jwtVerify(new TextDecoder().decode(plaintext), await serverJwks(), { issuer: server.url, audience });
    return { payload, enc: protectedHeader.enc, signedHeader };
  }

  function pkce() {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  it('encrypts the ID token of the code flow to the client\'s key; it decrypts with jose and validates (signature, iss, aud, nonce), and userinfo comes signed and encrypted', async () => {
    const nonce = randomUUID();
    const { verifier, challenge } = pkce();
    const back = await signIn({ response_type: 'code', nonce, state: 's1', code_challenge: challenge, code_challenge_method: 'S256' });
    const code = back.searchParams.get('code')!;
    const { status, body } = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic(rp.client_id, rp.client_secret!) });
    expect(status).toBe(200);
    const idToken = body.id_token as string;
    expect(idToken.split('.')).toHaveLength(5);
    const { payload, enc, signedHeader } = await openAsRp(idToken, rp.client_id);
    expect(enc).toBe('A256GCM');
    expect(signedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: server.url, aud: rp.client_id, nonce, azp: rp.client_id });
    expect(typeof payload.at_hash).toBe('string');

    const userinfo = await fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${body.access_token as string}` } });
    expect(userinfo.status).toBe(200);
    expect(userinfo.headers.get('content-type')).toMatch(/^application\/jwt/);
    expect(userinfo.headers.get('cache-control')).toBe('no-store');
    const info = await openAsRp(await userinfo.text(), rp.client_id);
    // An alg alone means A128CBC-HS256 (OIDC Registration §2).
    expect(info.enc).toBe('A128CBC-HS256');
    expect(info.payload).toMatchObject({ iss: server.url, aud: rp.client_id, sub: payload.sub, email: 'alice@example.com', name: 'Alice A' });
  });

  it('encrypts the ID token the authorization endpoint returns (code id_token)', async () => {
    const nonce = randomUUID();
    const { challenge } = pkce();
    const back = await signIn({ response_type: 'code id_token', nonce, state: 's2', code_challenge: challenge, code_challenge_method: 'S256' });
    const fragment = new URLSearchParams(back.hash.slice(1));
    const { payload } = await openAsRp(fragment.get('id_token')!, rp.client_id);
    expect(payload).toMatchObject({ nonce, c_hash: expect.any(String) });
  });

  it('refuses, without ever issuing it in the clear, an ID token for a client whose keys have no usable encryption key', async () => {
    const signing = await generateKeyPair('ES256', { extractable: true });
    const stub = await jwksServer([{ ...(await exportJWK(signing.publicKey)), kid: 'only-sig', use: 'sig', alg: 'ES256' }]);
    try {
      const keyless = await createClient(server, {
        grant_types: ['authorization_code'],
        redirect_uris: [REDIRECT],
        scope: 'openid',
        jwks_uri: stub.url,
        id_token_encrypted_response_alg: 'ECDH-ES+A256KW',
      });
      const browser = new TestBrowser(server.url);
      const { verifier, challenge } = pkce();
      const url = new URL(`${server.url}/oauth2/authorize`);
      for (const [name, value] of Object.entries({ client_id: keyless.client_id, redirect_uri: REDIRECT, scope: 'openid', response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256' })) url.searchParams.set(name, value);
      let page = await browser.submit(await browser.follow(url.toString()), { username: 'alice', password: 'correct horse battery' });
      if (!page.location?.startsWith(REDIRECT)) page = await browser.submit(page, { decision: 'approve' });
      const code = new URL(page.location!).searchParams.get('code')!;
      const exchange = () => tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic(keyless.client_id, keyless.client_secret!) });
      const refused = await exchange();
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        error: 'unauthorized_client',
        error_description: "the client registered id_token_encrypted_response_alg ECDH-ES+A256KW but its jwks_uri has no public key with use 'enc' (or no use) that fits ECDH-ES+A256KW",
      });
      // Nothing was consumed: once the client publishes an encryption key, the same code works.
      const ec = await generateKeyPair('ECDH-ES+A256KW', { extractable: true, crv: 'P-256' });
      stub.setKeys([{ ...(await exportJWK(ec.publicKey)), kid: 'ec-enc', use: 'enc' }]);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the refetch cooldown
      const issued = await exchange();
      expect(issued.status).toBe(200);
      expect(decodeProtectedHeader(issued.body.id_token as string)).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A128CBC-HS256', kid: 'ec-enc', cty: 'JWT' });
      const { plaintext } = await compactDecrypt(issued.body.id_token as string, ec.privateKey);
      await expect(jwtVerify(new TextDecoder().decode(plaintext), await serverJwks(), { issuer: server.url, audience: keyless.client_id })).resolves.toBeDefined();
    } finally {
      await stub.close();
    }
  });

  /** A client of the code flow (and code id_token) whose keys come from `keys`. */
  async function clientWith(keys: { jwks?: { keys: JWK[] }; jwks_uri?: string }, encryption: Record<string, string>): Promise<ClientView> {
    return createClient(server, {
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code', 'code id_token'],
      redirect_uris: [REDIRECT],
      scope: 'openid email',
      ...keys,
      ...encryption,
    });
  }

  /** Signs in to `client` for a code and returns its exchange (callable more than once). */
  async function codeExchange(client: ClientView): Promise<() => ReturnType<typeof tokenRequest>> {
    const { verifier, challenge } = pkce();
    const back = await signIn({ client_id: client.client_id, scope: 'openid email', response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256' });
    const code = back.searchParams.get('code')!;
    return () => tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic(client.client_id, client.client_secret!) });
  }

  describe('keys a client cannot be encrypted to (review F1, F2, F3)', () => {
    const rsaJwk = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as JWK;
    // e = 1: the "encrypted" key is the OAEP-encoded CEK itself, readable by anyone (NIST SP 800-56B Rev. 2 §6.2.1: e odd, ≥ 65537).
    const exponentOne = () => ({ ...rsaJwk(), e: 'AQ', use: 'enc', kid: 'e1' });
    // A 1024-bit modulus behind 128 zero octets: 2048 "bits" of n, 1024 of key; jose used to throw a TypeError (a 500).
    const zeroPadded = () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as JWK;
      return { ...small, n: Buffer.concat([Buffer.alloc(128), Buffer.from(small.n!, 'base64url')]).toString('base64url'), use: 'enc', kid: 'padded' };
    };
    const refusedIdToken = {
      error: 'unauthorized_client',
      error_description: "the client registered id_token_encrypted_response_alg RSA-OAEP-256 but its jwks_uri has no public key with use 'enc' (or no use) that fits RSA-OAEP-256",
    };

    it('refuses an RSA key with public exponent 1 or a zero-padded 1024-bit modulus: 400 unauthorized_client at the token endpoint, in the authorization response and at userinfo, never the token in the clear or a 500', async () => {
      const stub = await jwksServer([exponentOne(), zeroPadded()]);
      try {
        const client = await clientWith({ jwks_uri: stub.url }, { id_token_encrypted_response_alg: 'RSA-OAEP-256' });
        const exchange = await codeExchange(client);
        expect(await exchange()).toMatchObject({ status: 400, body: refusedIdToken });

        // The ID token of the authorization endpoint (after the consent POST): an error RFC 6749 §4.1.2.1 allows in the redirect.
        const { challenge } = pkce();
        const back = await signIn({ client_id: client.client_id, scope: 'openid email', response_type: 'code id_token', nonce: randomUUID(), state: 's3', code_challenge: challenge, code_challenge_method: 'S256' });
        const fragment = Object.fromEntries(new URLSearchParams(back.hash.slice(1)));
        expect(fragment).toEqual({ ...refusedIdToken, state: 's3', iss: server.url });

        const userinfoOnly = await clientWith({ jwks_uri: stub.url }, { userinfo_encrypted_response_alg: 'RSA-OAEP-256' });
        const issued = await (await codeExchange(userinfoOnly))();
        expect(issued.status).toBe(200);
        const userinfo = await fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${issued.body.access_token as string}` } });
        expect({ status: userinfo.status, body: await userinfo.json() }).toEqual({
          status: 400,
          body: {
            error: 'unauthorized_client',
            error_description: "the client registered userinfo_encrypted_response_alg RSA-OAEP-256 but its jwks_uri has no public key with use 'enc' (or no use) that fits RSA-OAEP-256",
          },
        });

        // The refused exchange consumed nothing: with a sound key beside the bad ones, the same code works.
        const good = await generateKeyPair('RSA-OAEP-256', { extractable: true });
        stub.setKeys([exponentOne(), zeroPadded(), { ...(await exportJWK(good.publicKey)), kid: 'good', use: 'enc' }]);
        await new Promise((resolve) => setTimeout(resolve, 1100)); // the refetch cooldown
        const retried = await exchange();
        expect(retried.status).toBe(200);
        expect(decodeProtectedHeader(retried.body.id_token as string)).toMatchObject({ alg: 'RSA-OAEP-256', kid: 'good', cty: 'JWT' });
        await expect(compactDecrypt(retried.body.id_token as string, good.privateKey)).resolves.toBeDefined();
      } finally {
        await stub.close();
      }
    });

    it('encrypts to an EC key whose key_ops say deriveKey (ECDH-ES)', async () => {
      const pair = await generateKeyPair('ECDH-ES', { extractable: true, crv: 'P-256' });
      const client = await clientWith({ jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'ec-ops', use: 'enc', key_ops: ['deriveKey'] }] } }, { id_token_encrypted_response_alg: 'ECDH-ES' });
      const { status, body } = await (await codeExchange(client))();
      expect(status).toBe(200);
      expect(decodeProtectedHeader(body.id_token as string)).toMatchObject({ alg: 'ECDH-ES', kid: 'ec-ops', cty: 'JWT' });
      const { plaintext } = await compactDecrypt(body.id_token as string, pair.privateKey);
      await expect(jwtVerify(new TextDecoder().decode(plaintext), await serverJwks(), { issuer: server.url, audience: client.client_id })).resolves.toBeDefined();
    });

    it('answers 503, not 400, when the set held lacks a fitting key and fetching it again fails (the client may have rotated)', async () => {
      const stub = await jwksServer([{ ...rsaJwk(), use: 'sig', kid: 'sig-only' }]);
      try {
        const client = await clientWith({ jwks_uri: stub.url }, { id_token_encrypted_response_alg: 'RSA-OAEP-256' });
        const exchange = await codeExchange(client);
        expect(await exchange()).toMatchObject({ status: 400, body: refusedIdToken });
        stub.setStatus(500);
        await new Promise((resolve) => setTimeout(resolve, 1100)); // the refetch cooldown
        expect(await exchange()).toMatchObject({
          status: 503,
          body: { error: 'temporarily_unavailable', error_description: 'the client\'s encryption keys (jwks_uri) cannot be fetched now; try again shortly' },
        });
      } finally {
        await stub.close();
      }
    });

    it('answers 503 temporarily_unavailable with Retry-After when the client\'s jwks_uri cannot be fetched, without the network error in the body', async () => {
      const gone = await jwksServer([]);
      await gone.close(); // a port nothing listens on: connection refused
      const client = await clientWith({ jwks_uri: gone.url }, { id_token_encrypted_response_alg: 'RSA-OAEP-256' });
      const exchange = await codeExchange(client);
      const refused = await exchange();
      expect(refused).toMatchObject({
        status: 503,
        body: { error: 'temporarily_unavailable', error_description: 'the client\'s encryption keys (jwks_uri) cannot be fetched now; try again shortly' },
      });
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    });
  });

  describe('grantry\'s encryption keys', () => {
    it('generates an encryption key by the admin API, lists it with use enc and publishes it with use enc and alg; signing keys say use sig', async () => {
      const created = await api('POST', '/keys', { use: 'enc', alg: 'RSA-OAEP-256' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ use: 'enc', alg: 'RSA-OAEP-256', kty: 'RSA', status: 'active', source: 'generated' });
      const listed = (await api('GET', '/keys')).body.items as { kid: string; use: string }[];
      expect(listed.find((key) => key.kid === created.body.kid)?.use).toBe('enc');
      expect(listed.filter((key) => key.use === 'sig').length).toBeGreaterThan(0);
      const published = await jwks();
      expect(published.find((key) => key.kid === created.body.kid)).toMatchObject({ use: 'enc', alg: 'RSA-OAEP-256', kty: 'RSA' });
      expect(published.find((key) => key.kid === created.body.kid)?.d).toBeUndefined();
      for (const key of published.filter((k) => k.kid !== created.body.kid && k.use !== 'enc')) expect(key.use).toBe('sig');
      expect((await api('POST', '/keys', { use: 'enc', alg: 'PBES2-HS256+A128KW' })).body).toEqual({
        error: 'invalid_request',
        error_description: 'alg of an encryption key must be one of RSA-OAEP-256, ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A256KW',
      });
    });

    // Review F5, F6: RSA encryption keys have 2048 to 4096 bits; a rotation keeps the size of the key it replaces.
    it('caps RSA encryption keys at 4096 bits, and rotates an RSA key to one of the same size', async () => {
      const keys = server.app.get(EncryptionKeysService);
      await expect(keys.generate('RSA-OAEP-256', { bits: 8192 })).rejects.toThrow('RSA encryption keys have 2048 to 4096 bits');
      const modulusBits = async (kid: string) => {
        const jwk = (await jwks()).find((key) => key.kid === kid)!;
        return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails?.modulusLength;
      };
      const sized = await keys.generate('RSA-OAEP-256', { bits: 3072 });
      await server.app.get(KeyRing).refresh();
      expect(await modulusBits(sized.kid)).toBe(3072);
      const rotated = await keys.rotate('RSA-OAEP-256');
      await server.app.get(KeyRing).refresh();
      expect(await modulusBits(rotated.kid)).toBe(3072);
      const resized = await keys.rotate('RSA-OAEP-256', { bits: 2048 });
      await server.app.get(KeyRing).refresh();
      expect(await modulusBits(resized.kid)).toBe(2048);
    });

    it('never signs with an encryption key: tokens keep the signing key\'s kid', async () => {
      const enc = (await api('POST', '/keys', { use: 'enc', alg: 'ECDH-ES' })).body;
      const token = await adminToken(server);
      expect(decodeProtectedHeader(token).kid).not.toBe(enc.kid);
      const signingKids = ((await api('GET', '/keys')).body.items as { kid: string; use: string }[]).filter((key) => key.use === 'sig').map((key) => key.kid);
      expect(signingKids).toContain(decodeProtectedHeader(token).kid);
    });

    it('generates and lists an encryption key with the CLI; the running server publishes it', async () => {
      const schema = server.db.schema ? `schema = "${server.db.schema}"\n` : '';
      const config = writeText(server.db.dir, `cli-${randomUUID()}.toml`, `[database]\nurl = "${server.db.url}"\n${schema}\n[security]\nmaster_key = "$env{TEST_MASTER_KEY}"\n`);
      const run = (...args: string[]) => cli([...args, '--config', config], { TEST_MASTER_KEY: server.db.masterKey });
      const generated = await run('keys', 'generate', '--use', 'enc', '--alg', 'ECDH-ES+A256KW', '--json');
      expect(generated.stderr).toBe('');
      const key = JSON.parse(generated.stdout);
      expect(key).toMatchObject({ use: 'enc', alg: 'ECDH-ES+A256KW', kty: 'EC', status: 'active' });
      const listed = JSON.parse((await run('keys', 'list', '--json')).stdout) as { kid: string; use: string }[];
      expect(listed.find((k) => k.kid === key.kid)?.use).toBe('enc');
      const table = (await run('keys', 'list')).stdout;
      expect(table).toContain(key.kid);
      expect(await run('keys', 'generate', '--use', 'enc', '--alg', 'dir')).toEqual({ status: 2, stdout: '', stderr: 'grantry: --alg of an encryption key must be one of RSA-OAEP-256, ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A256KW\n' });
      // [keys] refresh_interval = 1: another process's key reaches the JWKS within a second or two.
      let published: JWK | undefined;
      for (let i = 0; i < 30 && !published; i++) {
        published = (await jwks()).find((k) => k.kid === key.kid);
        if (!published) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(published).toMatchObject({ use: 'enc', alg: 'ECDH-ES+A256KW', crv: 'P-256' });
      // Deleting it unpublishes it; a signing key cannot be deleted.
      expect(await run('keys', 'delete', '--kid', key.kid)).toEqual({ status: 0, stdout: `deleted encryption key ${key.kid}\n`, stderr: '' });
      const signingKid = listed.find((k) => k.use === 'sig')!.kid;
      expect((await run('keys', 'delete', '--kid', signingKid)).stderr).toBe(`grantry: ${signingKid} is a signing key: signing keys leave by rotation (keys rotate), not deletion\n`);
    });
  });

  describe('nested JWT bearer assertions', () => {
    let bearer: ClientView;
    let idpKey: { privateKey: CryptoKey; alg: string };
    let serverEnc: { kid: string; key: CryptoKey };

    beforeAll(async () => {
      bearer = await createClient(server, { grant_types: [GRANT], scope: 'orders:read' });
      const { certPem, keyPem } = selfSignedCertificate(server.db.dir, 'jweIdp');
      idpKey = { privateKey: await importPKCS8(createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'), alg: 'RS256' };
      expect((await api('POST', '/identity-providers', { name: 'jweIdp', issuer: 'jweIdp', certificate: certPem })).status).toBe(201);
      const created = (await api('POST', '/keys', { use: 'enc', alg: 'RSA-OAEP-256' })).body;
      const jwk = (await jwks()).find((key) => key.kid === created.kid)!;
      serverEnc = { kid: created.kid, key: (await importJWK(jwk, 'RSA-OAEP-256')) as CryptoKey };
    });

    const claims = () => ({ iss: 'jweIdp', sub: 'bob', aud: `${server.url}/oauth2/token`, iat: now(), exp: now() + 300, jti: randomUUID() });
    const exchange = (assertion: string) => tokenRequest(server, { grant_type: GRANT, assertion }, { authorization: basic(bearer.client_id, bearer.client_secret!) });
    const encrypt = (jws: string, header: Record<string, unknown> = {}) =>
      new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid: serverEnc.kid, ...header }).encrypt(serverEnc.key);

    it('accepts a signed assertion encrypted to the server\'s key (cty JWT), verified exactly like a plain one', async () => {
      const { status, body } = await exchange(await encrypt(await signAssertion(idpKey, claims())));
      expect(status).toBe(200);
      const { payload } = await jwtVerify(body.access_token as string, await serverJwks(), { issuer: server.url });
      expect(payload.sub).toBe('bob');
    });

    // RFC 7515 §4.1.10: "application/" may be written or left out, in any case.
    it.each(['application/jwt', 'jwt', 'Application/JWT'])('accepts a nested assertion with cty %s', async (cty) => {
      expect((await exchange(await encrypt(await signAssertion(idpKey, claims()), { cty }))).status).toBe(200);
    });

    it('runs the inner assertion through the same checks: a replayed jti, a foreign signature, a missing cty are refused', async () => {
      const jws = await signAssertion(idpKey, claims());
      expect((await exchange(await encrypt(jws))).status).toBe(200);
      expect((await exchange(await encrypt(jws))).body).toEqual({ error: 'invalid_grant', error_description: 'assertion jti has been used already' });
      const stranger = await generateKeyPair('RS256');
      expect((await exchange(await encrypt(await signAssertion({ privateKey: stranger.privateKey, alg: 'RS256' }, claims())))).body).toEqual({ error: 'invalid_grant', error_description: 'the assertion is not valid' });
      expect((await exchange(await encrypt(await signAssertion(idpKey, claims()), { cty: undefined }))).body).toEqual({ error: 'invalid_grant', error_description: "an encrypted assertion must be a nested JWT (cty 'JWT')" });
      expect((await exchange(await encrypt('not a jwt'))).body).toEqual({ error: 'invalid_grant', error_description: 'the assertion is not valid' });
    });

    it('refuses a JWE whose ciphertext was tampered with, without saying more', async () => {
      const parts = (await encrypt(await signAssertion(idpKey, claims()))).split('.');
      const ciphertext = Buffer.from(parts[3], 'base64url');
      ciphertext[0] ^= 1;
      parts[3] = ciphertext.toString('base64url');
      expect((await exchange(parts.join('.'))).body).toEqual({ error: 'invalid_grant', error_description: 'the encrypted assertion could not be decrypted' });
    });

    /** Hostile JWEs: headers an attacker writes by hand; each would cost real work if it reached the crypto. */
    const hostile: [string, () => string, string | RegExp][] = [
      // CVE-2022-36083: PBES2 with a p2c of two billion PBKDF2 iterations.
      ['PBES2-HS256+A128KW with a huge p2c', () => `${b64({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 2_147_483_647, p2s: b64(randomBytes(16)), cty: 'JWT' })}.${b64(randomBytes(24))}.${b64(randomBytes(12))}.${b64(randomBytes(64))}.${b64(randomBytes(16))}`, /^JWE alg PBES2-HS256\+A128KW is not accepted \(accepted: [A-Z0-9+, -]+\)$/],
      // CVE-2024-28176: a compressed payload that inflates without bound.
      ['zip: "DEF"', () => `${b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM', zip: 'DEF', kid: serverEnc.kid, cty: 'JWT' })}.${b64(randomBytes(256))}.${b64(randomBytes(12))}.${b64(randomBytes(4096))}.${b64(randomBytes(16))}`, 'compressed JWEs (zip) are not accepted'],
      ['dir (a shared symmetric key)', () => `${b64({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' })}..${b64(randomBytes(12))}.${b64(randomBytes(64))}.${b64(randomBytes(16))}`, /^JWE alg dir is not accepted \(accepted: [A-Z0-9+, -]+\)$/],
      ['an unknown kid', () => `${b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'no-such-key', cty: 'JWT' })}.${b64(randomBytes(256))}.${b64(randomBytes(12))}.${b64(randomBytes(64))}.${b64(randomBytes(16))}`, 'JWE kid no-such-key names no encryption key of this server'],
      // No crypto for a wrong or missing cty: random ciphertext would otherwise answer "could not be decrypted".
      ['a JWE without cty', () => `${b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: serverEnc.kid })}.${b64(randomBytes(256))}.${b64(randomBytes(12))}.${b64(randomBytes(64))}.${b64(randomBytes(16))}`, "an encrypted assertion must be a nested JWT (cty 'JWT')"],
      // Several RSA-OAEP-256 keys are held by now: without a kid, one would have to try each.
      ['a JWE without kid while several held keys have its alg', () => `${b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' })}.${b64(randomBytes(256))}.${b64(randomBytes(12))}.${b64(randomBytes(64))}.${b64(randomBytes(16))}`, /^the JWE names no kid and this server holds \d+ RSA-OAEP-256 keys: name one \(kid\)$/],
      ['one over 16 KiB', () => `${b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: serverEnc.kid, cty: 'JWT' })}.${b64(randomBytes(256))}.${b64(randomBytes(12))}.${b64(randomBytes(20_000))}.${b64(randomBytes(16))}`, 'the encrypted assertion is larger than 16384 bytes'],
    ];

    // Counted, not timed: a refusal "before any crypto" is one that never reaches the decryption,
    // whatever the machine's load. Each description names the check that refused it.
    it.each(hostile)('refuses %s with invalid_grant without decrypting anything', async (_, make, description) => {
      const jwe = make();
      const decryptions = jest.mocked(compactDecrypt);
      decryptions.mockClear();
      for (let i = 0; i < 3; i++) {
        const { status, body } = await exchange(jwe);
        expect(status).toBe(400);
        expect(body).toEqual({ error: 'invalid_grant', error_description: typeof description === 'string' ? description : expect.stringMatching(description) });
      }
      expect(decryptions).not.toHaveBeenCalled();
    });

    it('decrypts a well-formed nested assertion exactly once (what the count above would see)', async () => {
      const decryptions = jest.mocked(compactDecrypt);
      const jwe = await encrypt(await signAssertion(idpKey, claims()));
      decryptions.mockClear();
      expect((await exchange(jwe)).status).toBe(200);
      expect(decryptions).toHaveBeenCalledTimes(1);
    });

    it('rotates encryption keys: the old key leaves the JWKS at once but decrypts for the grace period; a deleted key decrypts nothing', async () => {
      const rotated = await api('POST', '/keys/rotate', { use: 'enc', alg: 'RSA-OAEP-256' });
      expect(rotated.status).toBe(201);
      expect(rotated.body).toMatchObject({ use: 'enc', alg: 'RSA-OAEP-256', status: 'active' });
      const old = ((await api('GET', `/keys/${serverEnc.kid}`)).body) as { status: string; retire_at: number };
      expect(old.status).toBe('retiring');
      const published = await jwks();
      expect(published.find((key) => key.kid === serverEnc.kid)).toBeUndefined();
      expect(published.find((key) => key.kid === rotated.body.kid)).toMatchObject({ use: 'enc' });
      // In flight when the key was rotated: still accepted.
      expect((await exchange(await encrypt(await signAssertion(idpKey, claims())))).status).toBe(200);
      expect((await api('DELETE', `/keys/${serverEnc.kid}`)).status).toBe(204);
      expect((await exchange(await encrypt(await signAssertion(idpKey, claims())))).body).toEqual({ error: 'invalid_grant', error_description: `JWE kid ${serverEnc.kid} names no encryption key of this server` });
      expect((await api('DELETE', `/keys/${serverEnc.kid}`)).status).toBe(404);
    });
  });

  it('lists the encryption algs and encs in discovery, and those request objects may be encrypted with', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const algs = ['RSA-OAEP-256', 'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW'];
    const encs = ['A256GCM', 'A128GCM', 'A128CBC-HS256', 'A256CBC-HS512'];
    expect(metadata).toMatchObject({
      id_token_encryption_alg_values_supported: algs,
      id_token_encryption_enc_values_supported: encs,
      userinfo_encryption_alg_values_supported: algs,
      userinfo_encryption_enc_values_supported: encs,
      request_parameter_supported: true,
      request_uri_parameter_supported: true,
    });
    // Request objects are encrypted to the keys this server holds, under today's JWE rules (no PBES2).
    expect(metadata.request_object_encryption_alg_values_supported).toEqual(expect.arrayContaining(['RSA-OAEP-256']));
    expect(JSON.stringify(metadata.request_object_encryption_alg_values_supported)).not.toContain('PBES2');
    expect(metadata.request_object_encryption_enc_values_supported).toEqual(['A128GCM', 'A256GCM', 'A128CBC-HS256', 'A256CBC-HS512']);
  });
});
