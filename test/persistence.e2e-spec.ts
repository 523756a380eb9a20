import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { SigningKeysService } from '../src/keys/signing-keys.service';
import { freshDatabase, TestDatabase } from './support/database';
import { releaseAfterEach } from './support/resources';
import { basic, createClient, startServer, TestServer, tokenRequest } from './support/server';

describe('persistence and several instances on one database', () => {
  const release = releaseAfterEach();

  /** A database dropped after the test. */
  function database(): TestDatabase {
    const db = freshDatabase();
    release(() => db.drop());
    return db;
  }

  /** An instance on `db`, on a port of its own (0), closed after the test unless the test closes it first. */
  async function instance(db: TestDatabase, toml: Record<string, unknown> = {}): Promise<TestServer> {
    const server = await startServer(toml, db);
    release(() => server.close());
    return server;
  }

  it('keeps clients and signing keys across a restart: old tokens verify, the same key signs', async () => {
    const db = database();
    const first = await instance(db);
    const client = await createClient(first, { grant_types: ['client_credentials'] });
    const before = await tokenRequest(first, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
    await first.close();

    const second = await instance(db);
    const after = await tokenRequest(second, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
    expect(after.status).toBe(200);
    expect(decodeProtectedHeader(after.body.access_token as string).kid).toBe(decodeProtectedHeader(before.body.access_token as string).kid);
    const jwks = createRemoteJWKSet(new URL(`${second.url}/oauth2/jwks`));
    await expect(jwtVerify(before.body.access_token as string, jwks)).resolves.toBeDefined();
  });

  it("lets a second instance on the same database issue tokens that verify against the first one's JWKS", async () => {
    const db = database();
    const a = await instance(db);
    const b = await instance(db);
    expect(b.url).not.toBe(a.url);
    const client = await createClient(a, { grant_types: ['client_credentials'] });
    const fromB = await tokenRequest(b, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
    expect(fromB.status).toBe(200);
    // Each instance has its own issuer URL here; the keys are what they share.
    const { payload } = await jwtVerify(fromB.body.access_token as string, createRemoteJWKSet(new URL(`${a.url}/oauth2/jwks`)));
    expect(payload.sub).toBe(client.client_id);
  });

  it('sees a key rotated by another instance within the refresh interval', async () => {
    const db = database();
    const a = await instance(db, { keys: { refresh_interval: 1 } });
    const b = await instance(db, { keys: { refresh_interval: 1 } });
    const client = await createClient(a, { grant_types: ['client_credentials'] });
    const rotated = await a.app.get(SigningKeysService).rotate();
    // B's timer (every second) must pick the new key up; poll rather than guess a sleep.
    let kid: string | undefined;
    for (const deadline = Date.now() + 5000; kid !== rotated.kid && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const fromB = await tokenRequest(b, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, client.client_secret!) });
      kid = decodeProtectedHeader(fromB.body.access_token as string).kid;
    }
    expect(kid).toBe(rotated.kid);
  });

  it('refuses to start with a master key other than the one the database was set up with', async () => {
    const db = database();
    await (await instance(db)).close();
    await expect(startServer({}, { ...db, masterKey: randomBytes(32).toString('base64url') })).rejects.toThrow(
      /the master key does not match the one this database was set up with/,
    );
  });
});
