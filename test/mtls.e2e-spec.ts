import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { AccessTokenGuard, AccessTokenPrincipal, ResourceServerModule } from '../src/resource-server';
import { parseTenantInput } from '../src/tenants/tenant-input';
import { TenantsService } from '../src/tenants/tenants.service';
import { UsersService } from '../src/users/users.service';
import { LoggedServer, startLogged, stop } from './support/logged-server';
import { adminToken, basic, createClient, startServer, stopServer, TEST_ACTOR, TestServer, tokenRequest } from './support/server';
import { inTenant } from './support/tenants';

/** RFC 8705 over grantry's own TLS listener and through a trusted proxy's header (issue 28 items 2–3, issue 30 item 4). */

interface Pair {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

const dir = mkdtempSync(join(tmpdir(), 'grantry-mtls-'));
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function pair(name: string): Pair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, get cert() { return readFileSync(certFile, 'utf8'); }, get key() { return readFileSync(keyFile, 'utf8'); } };
}

/** A certificate issued by the test CA (`extensions`: an openssl extfile's lines). */
function issued(name: string, subject: string, extensions: string): Pair {
  const made = pair(name);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl('req', ...EC, '-keyout', made.keyFile, '-out', csr, '-subj', subject);
  openssl('x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', made.certFile, '-days', '1', '-extfile', ext);
  return made;
}

function selfSigned(name: string, subject: string, ...extra: string[]): Pair {
  const made = pair(name);
  openssl('req', '-x509', ...EC, '-keyout', made.keyFile, '-out', made.certFile, '-days', '1', '-subj', subject, ...extra);
  return made;
}

const ca = pair('ca');
openssl('req', '-x509', ...EC, '-keyout', ca.keyFile, '-out', ca.certFile, '-days', '1', '-subj', '/CN=grantry test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
const serverPair = issued('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
const clientA = issued('client-a', '/O=Example/CN=client-a', 'extendedKeyUsage=clientAuth\nsubjectAltName=DNS:client-a.example\n');
/** A self-signed certificate carrying client A's subject DN and SAN: no credential for tls_client_auth. */
const impostor = selfSigned('impostor', '/O=Example/CN=client-a', '-addext', 'subjectAltName=DNS:client-a.example');
const clientB = selfSigned('client-b', '/CN=client-b');

const thumbprint = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
const cnfOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { cnf?: Record<string, string> }).cnf;

/** A fetch over node:https trusting the test CA, presenting `client`'s certificate (oauth4webapi's customFetch). */
function mtlsFetch(client?: Pair): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const headers = new Headers(init.headers);
    const body = init.body === undefined || init.body === null ? undefined : Buffer.from(init.body instanceof URLSearchParams ? init.body.toString() : (init.body as string));
    return new Promise<Response>((resolve, reject) => {
      const request = httpsRequest(url, {
        method: init.method ?? 'GET',
        headers: Object.fromEntries(headers.entries()),
        ca: ca.cert,
        ...(client ? { cert: client.cert, key: client.key } : {}),
        agent: false,
      }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') answer.set(name, value);
          resolve(new Response(chunks.length ? Buffer.concat(chunks) : null, { status: response.statusCode!, headers: answer }));
        });
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(body);
    });
  }) as typeof fetch;
}

const API_AUDIENCE = 'https://orders.example';
const form = (params: Record<string, string>) => new URLSearchParams(params);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mTLS on grantry\'s own TLS listener (RFC 8705)', () => {
  let server: TestServer;
  let tlsClient: { client_id: string };
  let selfSignedClient: { client_id: string };
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    server = await startServer({
      server: { tls: { cert: serverPair.certFile, key: serverPair.keyFile, client_ca: ca.certFile } },
      oauth: { grant_type: { password: { enable: true } } },
    });
    tlsClient = await createClient(server, {
      grant_types: ['client_credentials', 'password'],
      scope: 'openid read',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=client-a,O=Example',
    });
    const jwk = new X509Certificate(clientB.cert).publicKey.export({ format: 'jwk' });
    selfSignedClient = await createClient(server, {
      grant_types: ['client_credentials'],
      scope: 'read',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [jwk] },
    });
    await server.app.get(UsersService).create({ username: 'alice', password: 'correct horse battery staple' });
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.customFetch]: mtlsFetch() }));
  });
  afterAll(() => stopServer(server));

  // RFC 8705 §5: the client follows mtls_endpoint_aliases.
  const grant = (client: { client_id: string }, certificate: Pair | undefined) =>
    oauth.clientCredentialsGrantRequest(as, { ...client, use_mtls_endpoint_aliases: true }, oauth.TlsClientAuth(), form({ scope: 'read' }), { [oauth.customFetch]: mtlsFetch(certificate) });

  it('serves https and advertises mTLS in discovery (RFC 8705 §3.3, §5)', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(as.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(as.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['tls_client_auth', 'self_signed_tls_client_auth']));
    expect(as.mtls_endpoint_aliases).toMatchObject({ token_endpoint: `${server.url}/oauth2/token`, userinfo_endpoint: `${server.url}/oauth2/userinfo` });
  });

  it('authenticates tls_client_auth by a CA-issued certificate with the registered subject DN and binds the token (§2.1, §3.1)', async () => {
    const result = await oauth.processClientCredentialsResponse(as, tlsClient, await grant(tlsClient, clientA));
    expect(cnfOf(result.access_token)).toEqual({ 'x5t#S256': thumbprint(clientA.cert) });
  });

  it('authenticates self_signed_tls_client_auth by a certificate whose key is in the registered jwks (§2.2)', async () => {
    const result = await oauth.processClientCredentialsResponse(as, selfSignedClient, await grant(selfSignedClient, clientB));
    expect(cnfOf(result.access_token)).toEqual({ 'x5t#S256': thumbprint(clientB.cert) });
  });

  it('refuses a self-signed certificate that carries a tls_client_auth client\'s subject DN', async () => {
    const response = await grant(tlsClient, impostor);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });

  it('refuses a self_signed_tls_client_auth client another certificate, and a request with none', async () => {
    expect((await grant(selfSignedClient, clientA)).status).toBe(401);
    const none = await grant(tlsClient, undefined);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });

  it('binds a client_secret_basic client\'s tokens when it registered tls_client_certificate_bound_access_tokens, and refuses it without a certificate (§3.4)', async () => {
    const bound = await createClient(server, { grant_types: ['client_credentials'], scope: 'read', tls_client_certificate_bound_access_tokens: true });
    const send = (certificate?: Pair) =>
      mtlsFetch(certificate)(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(bound.client_id, bound.client_secret!) },
        body: form({ grant_type: 'client_credentials' }),
      });
    const withCertificate = await send(clientB);
    expect(withCertificate.status).toBe(200);
    expect(cnfOf(((await withCertificate.json()) as { access_token: string }).access_token)).toEqual({ 'x5t#S256': thumbprint(clientB.cert) });
    const without = await send();
    expect({ status: without.status, body: await without.json() }).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'this client\'s access tokens are certificate-bound: present its TLS client certificate' },
    });
  });

  it('binds a public client\'s refresh token to its certificate too, and redeems it only with that certificate (§4)', async () => {
    const publicClient = await createClient(server, {
      grant_types: ['password', 'refresh_token'],
      scope: 'openid',
      token_endpoint_auth_method: 'none',
      tls_client_certificate_bound_access_tokens: true,
    });
    const post = (certificate: Pair, params: Record<string, string>) =>
      mtlsFetch(certificate)(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ client_id: publicClient.client_id, ...params }),
      });
    const first = await post(clientB, { grant_type: 'password', username: 'alice', password: 'correct horse battery staple', scope: 'openid' });
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as { access_token: string; refresh_token: string };
    expect(cnfOf(tokens.access_token)).toEqual({ 'x5t#S256': thumbprint(clientB.cert) });
    const stolen = await post(clientA, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant');
    const refreshed = await post(clientB, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(cnfOf(((await refreshed.json()) as { access_token: string }).access_token)).toEqual({ 'x5t#S256': thumbprint(clientB.cert) });
  });

  it('serves a fapi2-security tenant: tls_client_auth as its only kind of credential besides private_key_jwt, certificate-bound tokens (issue 29)', async () => {
    await server.app.get(TenantsService).create(parseTenantInput({ domain: 'mtls-bank.example', display_name: 'bank', settings: { oauth: { profile: { name: 'fapi2-security' } } } }), TEST_ACTOR);
    const { client_id } = await inTenant(server, 'mtls-bank.example', () =>
      createClient(server, { grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-a,O=Example' }),
    );
    const bankClient = { client_id };
    const issuer = new URL(`${server.url}/t/mtls-bank.example`);
    const bank = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.customFetch]: mtlsFetch() }));
    expect(bank.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);
    const request = (certificate: Pair | undefined) =>
      oauth.clientCredentialsGrantRequest(bank, { ...bankClient, use_mtls_endpoint_aliases: true }, oauth.TlsClientAuth(), form({ scope: 'read' }), { [oauth.customFetch]: mtlsFetch(certificate) });
    const tokens = await oauth.processClientCredentialsResponse(bank, bankClient, await request(clientA));
    expect(cnfOf(tokens.access_token)).toEqual({ 'x5t#S256': thumbprint(clientA.cert) });
    expect(payloadOf(tokens.access_token).iss).toBe(issuer.href);
    for (const wrong of [impostor, undefined]) {
      await expect(oauth.processClientCredentialsResponse(bank, bankClient, await request(wrong))).rejects.toMatchObject({ error: 'invalid_client' });
    }
  });

  it('accepts a certificate-bound token at userinfo only over a connection with that certificate (§3)', async () => {
    const response = await mtlsFetch(clientA)(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'password', client_id: tlsClient.client_id, username: 'alice', password: 'correct horse battery staple', scope: 'openid' }),
    });
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    expect(cnfOf(token)).toEqual({ 'x5t#S256': thumbprint(clientA.cert) });
    const userinfo = (certificate?: Pair) => mtlsFetch(certificate)(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    const right = await userinfo(clientA);
    expect(right.status).toBe(200);
    expect(((await right.json()) as { sub?: string }).sub).toBeDefined();
    for (const wrong of [clientB, impostor, undefined]) {
      const refused = await userinfo(wrong);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
  });
});

describe('[server.tls] files', () => {
  it('stops start-up naming the key and the path of a file it cannot read', async () => {
    const missing = join(dir, 'missing.key');
    await expect(startServer({ server: { tls: { cert: serverPair.certFile, key: missing } } })).rejects.toThrow(`[server.tls] key = ${JSON.stringify(missing)}: cannot read ${missing}: ENOENT`);
  });
});

describe('mTLS behind a TLS-terminating proxy: [server.tls] client_certificate_header from [server] trusted_proxies only', () => {
  const HEADER = 'x-ssl-client-cert';
  let trusting: TestServer;
  let untrusting: TestServer;
  const clients = new Map<TestServer, string>();

  beforeAll(async () => {
    const tls = { client_ca: ca.certFile, client_certificate_header: 'X-SSL-Client-Cert' };
    trusting = await startServer({ server: { trusted_proxies: ['127.0.0.1/32', '::1'], tls } });
    untrusting = await startServer({ server: { trusted_proxies: ['10.0.0.0/8'], tls } });
    for (const server of [trusting, untrusting]) {
      const client = await createClient(server, {
        grant_types: ['client_credentials'],
        scope: 'read',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_san_dns: 'client-a.example',
        audience: [API_AUDIENCE],
      });
      clients.set(server, client.client_id);
    }
  });
  afterAll(async () => {
    try {
      await stopServer(trusting);
    } finally {
      await stopServer(untrusting);
    }
  });

  const viaProxy = (server: TestServer, certificate: Pair) =>
    tokenRequest(server, { grant_type: 'client_credentials', client_id: clients.get(server)! }, { [HEADER]: encodeURIComponent(certificate.cert) });

  it('authenticates by the forwarded certificate from a trusted peer and binds the token to it', async () => {
    const { status, body } = await viaProxy(trusting, clientA);
    expect(status).toBe(200);
    expect(cnfOf(body.access_token as string)).toEqual({ 'x5t#S256': thumbprint(clientA.cert) });
  });

  it('lets grantry/resource-server accept the bound token only with its certificate (clientCertificateHeader, §3)', async () => {
    const { body } = await viaProxy(trusting, clientA);
    @Controller('orders')
    @UseGuards(AccessTokenGuard)
    class OrdersController {
      @Get()
      list(@AccessTokenPrincipal() principal: AccessTokenPrincipal): { client: string } {
        return { client: principal.clientId };
      }
    }
    @Module({ imports: [ResourceServerModule.forRoot({ authority: trusting.url, audience: API_AUDIENCE, allowInsecureHttp: true, clientCertificateHeader: 'X-SSL-Client-Cert' })], controllers: [OrdersController] })
    class ApiModule {}
    const api = await NestFactory.create<NestFastifyApplication>(ApiModule, new FastifyAdapter(), { logger: false, abortOnError: false });
    try {
      await api.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${(api.getHttpServer().address() as AddressInfo).port}/orders`;
      const call = (certificate?: Pair) =>
        fetch(url, { headers: { authorization: `Bearer ${body.access_token as string}`, ...(certificate ? { [HEADER]: encodeURIComponent(certificate.cert) } : {}) } });
      const accepted = await call(clientA);
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toEqual({ client: clients.get(trusting) });
      for (const wrong of [clientB, undefined]) {
        const refused = await call(wrong);
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      }
    } finally {
      await api.close();
    }
  });

  it('takes RFC 8705 client metadata through the admin API, validated, and shows it back', async () => {
    const token = await adminToken(trusting);
    const create = (metadata: Record<string, unknown>) =>
      fetch(`${trusting.url}/api/admin/v1/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'mtls', grant_types: ['client_credentials'], ...metadata }),
      });
    const made = await create({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_ip: '192.0.2.1', tls_client_certificate_bound_access_tokens: true });
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ tls_client_auth_san_ip: '192.0.2.1', tls_client_auth_subject_dn: null, tls_client_certificate_bound_access_tokens: true });
    const refusals: [Record<string, unknown>, string][] = [
      [{ token_endpoint_auth_method: 'tls_client_auth' }, 'tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email'],
      [{ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'a.example', tls_client_auth_san_email: 'a@example.com' }, 'tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email (got tls_client_auth_san_dns, tls_client_auth_san_email)'],
      [{ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_ip: 'not-an-ip' }, 'tls_client_auth_san_ip must be an IPv4 or IPv6 address'],
      [{ token_endpoint_auth_method: 'client_secret_basic', tls_client_auth_subject_dn: 'CN=x' }, 'tls_client_auth_subject_dn is for token_endpoint_auth_method tls_client_auth only'],
      [{ token_endpoint_auth_method: 'self_signed_tls_client_auth' }, 'self_signed_tls_client_auth needs the client\'s certificate keys in jwks or jwks_uri'],
      [{ tls_client_certificate_bound_access_tokens: 'yes' }, 'tls_client_certificate_bound_access_tokens must be true or false'],
    ];
    for (const [metadata, description] of refusals) {
      const refused = await create(metadata);
      expect({ status: refused.status, body: await refused.json() }).toEqual({ status: 400, body: { error: 'invalid_client_metadata', error_description: description } });
    }
  });

  it('refuses a forwarded certificate that client_ca did not issue, even with the registered SAN', async () => {
    expect((await viaProxy(trusting, impostor)).status).toBe(401);
  });

  it('ignores the header from a peer outside trusted_proxies: the request is unauthenticated', async () => {
    const { status, body } = await viaProxy(untrusting, clientA);
    expect(status).toBe(401);
    expect(body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });

  it('takes no certificate from a header sent twice or holding two certificates (a proxy that appends passes the client\'s own on)', async () => {
    // Node joins a repeated header with ", ": the client's forged copy first, the proxy's after it.
    const twice = await tokenRequest(trusting, { grant_type: 'client_credentials', client_id: clients.get(trusting)! }, { [HEADER]: `${encodeURIComponent(clientA.cert)}, ${encodeURIComponent(impostor.cert)}` });
    expect(twice.status).toBe(401);
    const both = await tokenRequest(trusting, { grant_type: 'client_credentials', client_id: clients.get(trusting)! }, { [HEADER]: encodeURIComponent(clientA.cert + impostor.cert) });
    expect(both.status).toBe(401);
  });

  it('without client_ca, takes no forwarded certificate for tls_client_auth: a self-signed one with the registered subject is refused', async () => {
    const noCa = await startServer({ server: { trusted_proxies: ['127.0.0.1/32', '::1'], tls: { client_certificate_header: 'X-SSL-Client-Cert' } } });
    try {
      const victim = await createClient(noCa, { grant_types: ['client_credentials'], scope: 'read', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'client-a.example' });
      const send = (certificate: Pair) => tokenRequest(noCa, { grant_type: 'client_credentials', client_id: victim.client_id }, { [HEADER]: encodeURIComponent(certificate.cert) });
      expect((await send(impostor)).status).toBe(401);
      // Not even the genuine certificate: grantry cannot tell it from the impostor without client_ca.
      expect((await send(clientA)).status).toBe(401);
    } finally {
      await stopServer(noCa);
    }
  });
});

describe('forwarding headers (issue 30 item 4)', () => {
  let logged: LoggedServer | undefined;
  afterEach(async () => {
    await stop(logged!);
    logged = undefined;
  });

  const lastRequestLine = (server: LoggedServer) => server.records().filter((record) => record.msg === 'request').pop();

  it('takes X-Forwarded-For/-Proto/-Host from a peer outside trusted_proxies for nothing: not the logged address, not any URL', async () => {
    logged = await startLogged({ server: { trusted_proxies: ['10.0.0.0/8'] } });
    const plain = await (await fetch(`${logged.url}/.well-known/openid-configuration`)).json();
    const forged = await fetch(`${logged.url}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', host: 'evil.example' },
    });
    expect(await forged.json()).toEqual(plain);
    expect(lastRequestLine(logged)).toMatchObject({ client_address: '127.0.0.1' });
  });

  it('takes the right-most X-Forwarded-For entry that is not a trusted proxy from a trusted peer; URLs still come from base_url', async () => {
    logged = await startLogged({ server: { trusted_proxies: ['127.0.0.1', '10.0.0.0/8'] } });
    const plain = await (await fetch(`${logged.url}/.well-known/openid-configuration`)).json();
    const forwarded = await fetch(`${logged.url}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.1.2.3', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    });
    expect(await forwarded.json()).toEqual(plain);
    expect(lastRequestLine(logged)).toMatchObject({ client_address: '203.0.113.9' });
  });
});
