// The proxy mTLS authenticator's tests, through grantry's plugin test kit.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { X509Certificate } = require('node:crypto');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { startTestServer } = require('grantry/plugin/testing');

const SECRET = 'proxy-shared-secret-0123456789';

describe('a pinned certificate through a trusted proxy', () => {
  let server, client, fingerprint, dir;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=client'], { stdio: 'ignore' });
    const pem = readFileSync(join(dir, 'c.pem'), 'utf8');
    fingerprint = new X509Certificate(pem).fingerprint256;
    server = await startTestServer({
      toml: { event_listener: [{ name: require.resolve('./index.js'), order: '150', properties: { proxy_secret: SECRET } }] },
    });
    client = await server.createClient({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'proxy_pinned_certificate' });
    const admin = await server.createClient({ grant_types: ['client_credentials'], scope: 'admin' });
    const token = (await server.token({ grant_type: 'client_credentials', scope: 'admin' }, admin)).body.access_token;
    const imported = await fetch(`${server.url}/api/admin/v1/certificates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ alias: client.client_id, certificate: pem }),
    });
    expect(imported.status).toBe(201);
  });
  afterAll(async () => {
    try {
      await server?.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const request = (headers) => server.token({ grant_type: 'client_credentials', client_id: client.client_id }, undefined, headers);

  it('authenticates a client whose certificate fingerprint the proxy forwards', async () => {
    const { status } = await request({ 'x-client-cert-sha256': fingerprint, 'x-proxy-secret': SECRET });
    expect(status).toBe(200);
  });

  it('refuses a header that did not come through the proxy, and a foreign certificate', async () => {
    expect((await request({ 'x-client-cert-sha256': fingerprint })).status).toBe(401);
    expect((await request({ 'x-client-cert-sha256': 'AA:BB', 'x-proxy-secret': SECRET })).body).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
  });

  it('is listed in discovery', async () => {
    const document = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
    expect(document.token_endpoint_auth_methods_supported).toContain('proxy_pinned_certificate');
  });
});
