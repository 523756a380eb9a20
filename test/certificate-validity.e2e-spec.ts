import { generateKeyPairSync } from 'node:crypto';
import { importPKCS8 } from 'jose';
import * as forge from 'node-forge';
import { parseIdentityProviderInput } from '../src/identity-providers/identity-provider-input';
import { TruststoreService } from '../src/keys/truststore.service';
import { signAssertion } from './support/assertions';
import { createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const DAY = 86400_000;

/** A self-signed RS256 certificate valid from `notBefore` to `notAfter`, and a signer for its key. */
async function certificate(notBefore: Date, notAfter: Date) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: 'validity-test' }]);
  cert.setIssuer([{ name: 'commonName', value: 'validity-test' }]);
  cert.sign(forgeKey, forge.md.sha256.create());
  return { pem: forge.pki.certificateToPem(cert), signer: { privateKey: await importPKCS8(pem, 'RS256'), alg: 'RS256' } };
}

describe('certificates must be valid (truststore and identity providers)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => stopServer(server));

  it('refuses an expired or not-yet-valid certificate at import, saying why', async () => {
    const expired = await certificate(new Date(Date.now() - 10 * DAY), new Date(Date.now() - DAY));
    const future = await certificate(new Date(Date.now() + DAY), new Date(Date.now() + 10 * DAY));
    const truststore = server.app.get(TruststoreService);
    await expect(truststore.import('expired', expired.pem)).rejects.toThrow(/^the certificate expired on .*: a truststore certificate must be valid now$/);
    await expect(truststore.import('future', future.pem)).rejects.toThrow(/^the certificate is not valid before /);
    expect(() => parseIdentityProviderInput({ name: 'old', issuer: 'old', certificate: expired.pem })).toThrow(/certificate: the certificate expired on /);
  });

  it('stops verifying with a truststore certificate that has expired since it was imported', async () => {
    // Valid for a few seconds: imported while valid, then time passes (the parsed certificate stays
    // cached). Long enough for the import and the first request on a busy machine; the wait below
    // runs to the end of the validity, however long those took.
    const notAfter = Date.now() + 8000;
    const shortLived = await certificate(new Date(Date.now() - DAY), new Date(notAfter));
    const client = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt' });
    await server.app.get(TruststoreService).import(client.client_id, shortLived.pem);
    const request = async () => {
      const assertion = await signAssertion(shortLived.signer, { iss: client.client_id, sub: client.client_id, aud: `${server.url}/oauth2/token` });
      return tokenRequest(server, { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
    };
    expect((await request()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, notAfter - Date.now()) + 1100));
    const refused = await request();
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });
});
