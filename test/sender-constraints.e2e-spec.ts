import { DataSource } from 'typeorm';
import { ClientsService } from '../src/clients/clients.service';
import type { ClientView } from '../src/clients/clients.service';
import { AtomicWriter } from '../src/database/atomic-writer';
import { UNCONSTRAINED, type SenderConstraint } from '../src/oauth/core/sender-constraint';
import { GrantRecords } from '../src/oauth/grant-records/grant-records';
import { AccessTokenIssuer } from '../src/oauth/tokens/access-token.issuer';
import { RefreshTokenStore } from '../src/oauth/tokens/refresh-token.store';
import { parseUserInput } from '../src/users/user-input';
import { UsersService } from '../src/users/users.service';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const PASSWORD = 'correct horse battery';
/** SHA-256 thumbprints, base64url: a DPoP key's jkt (RFC 7638) and a certificate's x5t#S256 (RFC 8705 §3.1). */
const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
const X5T = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2';
const DPOP: SenderConstraint = { kind: 'dpop', jkt: JKT };
const MTLS: SenderConstraint = { kind: 'mtls', x5tS256: X5T };
const INVALID_TOKEN = { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' };
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/**
 * Tokens know their binding (RFC 9449 DPoP, RFC 8705 mTLS). A request without a proof of
 * possession gets a bearer token, as before (test/dpop.e2e-spec.ts binds them); the issuance code takes the binding as
 * input and writes it (JWT `cnf`, the `cnf` column of opaque access and refresh tokens),
 * introspection answers it, and a bound token is never taken for a bearer token.
 */
describe('sender-constrained tokens: the binding every token carries', () => {
  let server: TestServer;
  let db: DataSource;
  let jwtClient: ClientView;
  let opaqueClient: ClientView;

  beforeAll(async () => {
    server = await startServer({ oauth: { grant_type: { password: { enable: true } } }, users: { scrypt_log_n: 14, scrypt_p: 1 } });
    db = server.app.get(DataSource);
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD, claims: { name: 'Alice A' } }, true));
    jwtClient = await createClient(server, { grant_types: ['password', 'refresh_token', 'client_credentials'], scope: 'openid read' });
    opaqueClient = await createClient(server, { grant_types: ['password', 'refresh_token', 'client_credentials'], scope: 'openid read', access_token_format: 'opaque' });
  });
  afterAll(() => stopServer(server));

  const auth = (client: ClientView) => ({ authorization: basic(client.client_id, client.client_secret!) });
  const signIn = (client: ClientView) => tokenRequest(server, { grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid read' }, auth(client));
  async function introspect(client: ClientView, token: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${server.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth(client) },
      body: new URLSearchParams({ token }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  /** What the token endpoint would mint under the grant of `issued` once a proof bound it: the issuer, asked directly. */
  async function mint(client: ClientView, senderConstraint: SenderConstraint, grantOf?: string) {
    const registered = (await server.app.get(ClientsService).findForAuthentication(client.client_id))!;
    const record = grantOf === undefined ? undefined : await server.app.get(GrantRecords).find(grantOf);
    const issued = await server.app.get(AccessTokenIssuer).issue({
      client: registered,
      principal: { subject: record?.subject ?? client.client_id },
      scopes: ['openid', 'read'],
      audience: [client.client_id],
      grantId: record?.id,
      senderConstraint,
    });
    if (issued.step) await server.app.get(AtomicWriter).commit([issued.step]);
    return issued;
  }

  describe('what the endpoints issue without a proof: bearer tokens, as before', () => {
    it('answers token_type Bearer, puts no cnf in a JWT and stores none for opaque and refresh tokens', async () => {
      const jwt = await signIn(jwtClient);
      expect(jwt.body).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
      expect(claimsOf(jwt.body.access_token as string)).not.toHaveProperty('cnf');

      const opaque = await signIn(opaqueClient);
      expect(opaque.body).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
      const rows = await db.query(`SELECT cnf FROM access_tokens WHERE client_id = '${opaqueClient.client_id}' UNION ALL SELECT cnf FROM refresh_tokens WHERE client_id IN ('${jwtClient.client_id}', '${opaqueClient.client_id}')`);
      expect(rows).toEqual([{ cnf: null }, { cnf: null }, { cnf: null }]);

      const cc = await tokenRequest(server, { grant_type: 'client_credentials', scope: 'read' }, auth(jwtClient));
      expect(cc.body.token_type).toBe('Bearer');
      expect(claimsOf(cc.body.access_token as string)).not.toHaveProperty('cnf');
    });

    it('introspects them as Bearer, with no cnf', async () => {
      for (const client of [jwtClient, opaqueClient]) {
        const { body } = await signIn(client);
        const access = await introspect(client, body.access_token as string);
        expect(access).toMatchObject({ active: true, token_type: 'Bearer' });
        expect(access).not.toHaveProperty('cnf');
        expect(await introspect(client, body.refresh_token as string)).not.toHaveProperty('cnf');
      }
    });
  });

  describe('a bound token, as the issuance code writes it', () => {
    it('is a JWT with cnf.jkt and token_type DPoP, or cnf.x5t#S256 and Bearer (RFC 9449 §6.1, RFC 8705 §3.1)', async () => {
      const dpop = await mint(jwtClient, DPOP);
      expect(dpop.tokenType).toBe('DPoP');
      expect(claimsOf(dpop.token).cnf).toEqual({ jkt: JKT });
      const mtls = await mint(jwtClient, MTLS);
      expect(mtls.tokenType).toBe('Bearer');
      expect(claimsOf(mtls.token).cnf).toEqual({ 'x5t#S256': X5T });
      expect(claimsOf((await mint(jwtClient, UNCONSTRAINED)).token)).not.toHaveProperty('cnf');
    });

    it('is introspected with its cnf and token_type, JWT or opaque (RFC 7662, RFC 9449 §6.2, RFC 8705 §3.2)', async () => {
      for (const client of [jwtClient, opaqueClient]) {
        expect(await introspect(client, (await mint(client, DPOP)).token)).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: JKT } });
        expect(await introspect(client, (await mint(client, MTLS)).token)).toMatchObject({ active: true, token_type: 'Bearer', cnf: { 'x5t#S256': X5T } });
      }
      const stored = await db.query(`SELECT cnf FROM access_tokens WHERE client_id = '${opaqueClient.client_id}' AND cnf IS NOT NULL`);
      expect(stored.map((row: { cnf: string }) => JSON.parse(row.cnf))).toEqual(expect.arrayContaining([{ jkt: JKT }, { 'x5t#S256': X5T }]));
    });

    it('is refused as a bearer token by userinfo and the admin API (RFC 9449 §7.2, RFC 8705 §3)', async () => {
      const grant = claimsOf((await signIn(jwtClient)).body.access_token as string).gid as string;
      const userinfo = async (token: string) => {
        const response = await fetch(`${server.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } });
        return { status: response.status, body: await response.json() };
      };
      // The same grant, unbound: userinfo answers.
      expect((await userinfo((await mint(jwtClient, UNCONSTRAINED, grant)).token)).status).toBe(200);
      for (const binding of [DPOP, MTLS]) expect(await userinfo((await mint(jwtClient, binding, grant)).token)).toEqual({ status: 401, body: INVALID_TOKEN });

      const adminClient = await createClient(server, { grant_types: ['client_credentials'], scope: 'admin' });
      const registered = (await server.app.get(ClientsService).findForAuthentication(adminClient.client_id))!;
      const adminTokenBound = async (senderConstraint: SenderConstraint) =>
        (await server.app.get(AccessTokenIssuer).issue({ client: registered, principal: { subject: adminClient.client_id }, scopes: ['admin'], audience: [`${server.url}/api/admin`], senderConstraint })).token;
      const listClients = async (token: string) => (await fetch(`${server.url}/api/admin/v1/clients`, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await listClients(await adminTokenBound(UNCONSTRAINED))).toBe(200);
      expect(await listClients(await adminTokenBound(DPOP))).toBe(401);
      expect(await listClients(await adminTokenBound(MTLS))).toBe(401);
    });

    it('binds a refresh token in its own row: introspected with its cnf, never redeemed without a proof of its key (RFC 9449 §5)', async () => {
      const { body } = await signIn(jwtClient);
      const record = (await server.app.get(GrantRecords).find(claimsOf(body.access_token as string).gid as string))!;
      const bound = server.app.get(RefreshTokenStore).issue(record, DPOP);
      await server.app.get(AtomicWriter).commit([bound.step]);
      expect(await introspect(jwtClient, bound.token)).toMatchObject({ active: true, token_type: 'refresh_token', cnf: { jkt: JKT } });
      const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: bound.token }, auth(jwtClient));
      expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof', error_description: 'the DPoP proof is invalid' } });
      // Refused, so not consumed: the grant's bearer refresh token still works.
      expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token as string }, auth(jwtClient))).status).toBe(200);
    });
  });
});
