import { statSync } from 'node:fs';
import { SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { ClientRegistrationService } from '../src/oauth/registration/client-registration.service';
import { isMysql, isPostgres } from './support/database';
import { basic, createClient, startServer, stopServer, TEST_ACTOR, TestServer, tokenRequest } from './support/server';

describe('secrets at rest', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => stopServer(server));

  const sealedCopyOf = async (clientId: string) =>
    (await server.app.get(DataSource).query(`SELECT secret_encrypted FROM clients WHERE client_id = '${clientId}'`))[0].secret_encrypted as string | null;

  it('keeps a decryptable copy of the secret only for client_secret_jwt', async () => {
    const basicClient = await createClient(server, { grant_types: ['client_credentials'] });
    const jwtClient = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_jwt' });
    expect(await sealedCopyOf(basicClient.client_id)).toBeNull();
    expect(await sealedCopyOf(jwtClient.client_id)).not.toBeNull();
  });

  it('answers a switch to client_secret_jwt with a new secret, shown once, that then authenticates', async () => {
    const client = await createClient(server, { grant_types: ['client_credentials'] });
    const { view: switched } = await server.app.get(ClientRegistrationService).update(client.client_id, { token_endpoint_auth_method: 'client_secret_jwt' }, TEST_ACTOR);
    expect(switched.client_secret).toEqual(expect.any(String));
    expect(switched.client_secret).not.toBe(client.client_secret);
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: client.client_id, sub: client.client_id, aud: `${server.url}/oauth2/token`, jti: `j-${now}`, iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(switched.client_secret!));
    const { status } = await tokenRequest(server, { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
    expect(status).toBe(200);
    // And back to Basic: the secret stays, its sealed copy goes.
    await server.app.get(ClientRegistrationService).update(client.client_id, { token_endpoint_auth_method: 'client_secret_basic' }, TEST_ACTOR);
    expect(await sealedCopyOf(client.client_id)).toBeNull();
    expect((await tokenRequest(server, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, switched.client_secret!) })).status).toBe(200);
  });

  (isPostgres() || isMysql() ? it.skip : it)('creates the SQLite database and its -wal/-shm files readable by the owner only', async () => {
    const file = server.db.url.slice('sqlite:'.length);
    for (const path of [file, `${file}-wal`, `${file}-shm`]) expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
  });
});
