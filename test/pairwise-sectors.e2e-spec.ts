import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SecurityService } from '../src/security/security.service';
import { parseUserInput } from '../src/users/user-input';
import { UsersService } from '../src/users/users.service';
import { cli } from './support/cli';
import { freshDatabase, TestDatabase } from './support/database';
import { adminToken, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const PASSWORD = 'correct horse battery';
const NO_HOST = 'a pairwise client whose redirect_uris have no host (a private-use scheme) needs a sector_identifier_uri';
const LOOPBACK = 'a pairwise client whose redirect_uris use a loopback host needs a sector_identifier_uri';
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

async function call(server: TestServer, method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** `grantry <args> --config FILE`, FILE naming `db` (and its master key): exit code and output. */
async function grantry(db: TestDatabase, args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-cli-'));
  try {
    const file = join(dir, 'deployment.toml');
    writeFileSync(file, `[database]\nurl = ${JSON.stringify(db.url)}\n${db.schema ? `schema = ${JSON.stringify(db.schema)}\n` : ''}[security]\nmaster_key = ${JSON.stringify(db.masterKey)}\n`);
    return { file, ...(await cli([...args, '--config', file])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Issue 23 review F1, OIDC Core §8.1: a pairwise client's sector is the host of its redirect URIs.
 * A private-use scheme (`com.example.app:/cb`) has no host and every native app may use a loopback
 * one: without a sector identifier URI, unrelated apps would share one sector, and a user's `sub`
 * with it — so registration, the admin API and the CLI ask for one. A client stored before keeps its
 * sector (a new one would change its users' `sub`), and start-up and `config check` name it.
 */
describe('pairwise clients whose redirect URIs name no sector of their own', () => {
  const native = (redirectUri: string) => ({ application_type: 'native', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', subject_type: 'pairwise' });

  describe('new clients', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ oauth: { registration: { open: true } } });
    });
    afterAll(() => stopServer(server));

    it.each([
      ['com.victim.app:/cb', NO_HOST],
      ['com.attacker.app:/cb', NO_HOST],
      ['http://127.0.0.1/cb', LOOPBACK],
      ['http://127.0.0.1/other', LOOPBACK],
      ['http://[::1]:8400/cb', LOOPBACK],
    ])('refuses to register %s without a sector_identifier_uri (RFC 7591 §3.2.2)', async (redirectUri, description) => {
      expect(await call(server, 'POST', '/oauth2/register', native(redirectUri))).toEqual({ status: 400, body: { error: 'invalid_client_metadata', error_description: description } });
    });

    it('registers such a client with the public subject type', async () => {
      expect((await call(server, 'POST', '/oauth2/register', { ...native('com.victim.app:/cb'), subject_type: 'public' })).status).toBe(201);
    });

    it('refuses one through the admin API and the CLI too', async () => {
      const admin = await adminToken(server);
      expect(await call(server, 'POST', '/api/admin/v1/clients', { client_name: 'app', grant_types: ['authorization_code'], ...native('com.victim.app:/cb') }, admin)).toEqual({
        status: 400,
        body: { error: 'invalid_client_metadata', error_description: NO_HOST },
      });
      const created = await grantry(server.db, ['clients', 'create', '--name', 'app', '--grant-type', 'authorization_code', '--auth-method', 'none', '--subject-type', 'pairwise', '--redirect-uri', 'http://127.0.0.1/cb']);
      expect({ status: created.status, stdout: created.stdout, stderr: created.stderr }).toEqual({ status: 1, stdout: '', stderr: `grantry: invalid_client_metadata: ${LOOPBACK}\n` });
    });
  });

  describe('clients stored before the rule', () => {
    let warn: jest.SpyInstance;
    beforeEach(() => {
      warn = jest.spyOn(Logger.prototype, 'warn');
    });
    afterEach(() => warn.mockRestore());

    it('keep their sector — and their users\' sub — through an administrator\'s save, and are named at start-up and by config check', async () => {
      const db = freshDatabase();
      let server: TestServer | undefined;
      try {
        const toml = { oauth: { grant_type: { password: { enable: true } } }, users: { scrypt_log_n: 14, scrypt_p: 1 } };
        server = await startServer(toml, db);
        const userId = (await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD, claims: {} }, true))).id;
        // As the previous release let them register: two unrelated apps, each with its private-use scheme.
        const stored: string[] = [];
        for (const scheme of ['com.victim.app', 'com.attacker.app']) {
          const client = await createClient(server, { grant_types: ['authorization_code', 'password'], token_endpoint_auth_method: 'none', subject_type: 'pairwise', redirect_uris: ['https://placeholder.example/cb'], scope: 'openid' });
          await server.app.get(DataSource).query(`UPDATE clients SET application_type = 'native', redirect_uris = '["${scheme}:/cb"]' WHERE client_id = '${client.client_id}'`);
          stored.push(client.client_id);
        }
        await createClient(server, { grant_types: ['authorization_code'], subject_type: 'pairwise', redirect_uris: ['https://rp.example/cb'] }); // a sector of its own: not named
        await server.close();

        server = await startServer(toml, db);
        const named = [...stored].sort().map((clientId) => `${clientId} (sector "")`).join('; ');
        const line =
          `2 pairwise clients without a sector_identifier_uri take their sector from redirect URIs whose host is not theirs alone (a private-use scheme has none; ` +
          `every native app may use a loopback host): unrelated clients of one such sector see the same sub for a user. Each keeps its sector until an ` +
          `administrator gives it a sector_identifier_uri (its users' sub then changes) or deletes it: ${named}`;
        expect(warn.mock.calls.map(([message]) => String(message))).toContain(line);
        const checked = await grantry(db, ['config', 'check']);
        expect(checked).toEqual({ file: checked.file, status: 0, stdout: `ok: ${checked.file}\n`, stderr: `warning: ${line}\n` });

        const sub = async () => {
          const issued = await tokenRequest(server!, { grant_type: 'password', client_id: stored[0], username: 'alice', password: PASSWORD, scope: 'openid' });
          expect(issued.status).toBe(200);
          return claimsOf(issued.body.access_token as string).sub;
        };
        const before = await sub();
        expect(before).toBe(server.app.get(SecurityService).pairwiseSubject('', userId));
        const admin = await adminToken(server);
        expect((await call(server, 'PATCH', `/api/admin/v1/clients/${stored[0]}`, { client_name: 'renamed', redirect_uris: ['com.victim.app:/callback'] }, admin)).status).toBe(200);
        expect(await sub()).toBe(before);
        // A sector no client names of its own is not one to move to.
        expect(await call(server, 'PATCH', `/api/admin/v1/clients/${stored[0]}`, { redirect_uris: ['http://127.0.0.1/cb'] }, admin)).toEqual({ status: 400, body: { error: 'invalid_client_metadata', error_description: LOOPBACK } });
      } finally {
        await server?.close();
        await db.drop();
      }
    });
  });
});
