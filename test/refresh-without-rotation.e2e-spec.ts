import type { ClientView } from '../src/clients/clients.service';
import { AtomicWriter } from '../src/database/atomic-writer';
import { GrantRecords } from '../src/oauth/grant-records/grant-records';
import { RefreshTokenStore } from '../src/oauth/tokens/refresh-token.store';
import { parseUserInput } from '../src/users/user-input';
import { UsersService } from '../src/users/users.service';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

/**
 * FAPI 2.0 SP §5.3.2.1: a confidential client's refresh token is not rotated. The store's
 * redemption then consumes nothing and only checks, in the commit of the new access token, that
 * the token and its grant are still live — so concurrent uses all pass, and a revocation between
 * the check and the commit still wins. (The profile's end-to-end refresh runs with DPoP in the
 * sender-constraint specs; this checks the statement on each database.)
 */
describe('refresh tokens that are not rotated', () => {
  let server: TestServer;
  let client: ClientView;

  beforeAll(async () => {
    server = await startServer({ oauth: { grant_type: { password: { enable: true } } }, users: { scrypt_log_n: 14 } });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: 'correct horse battery' }, true));
    client = await createClient(server, { grant_types: ['password', 'refresh_token'], scope: 'read' });
  });
  afterAll(() => stopServer(server));

  async function refreshToken(): Promise<string> {
    const { status, body } = await tokenRequest(server, { grant_type: 'password', username: 'alice', password: 'correct horse battery' }, { authorization: basic(client.client_id, client.client_secret!) });
    expect(status).toBe(200);
    return body.refresh_token as string;
  }
  const use = async (token: string) => {
    const { redemption } = await server.app.get(RefreshTokenStore).present(token, client.client_id, { rotate: false });
    return server.app.get(AtomicWriter).commit([redemption]);
  };

  it('lets every one of 20 concurrent uses through, and the token stays usable', async () => {
    const token = await refreshToken();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => use(token)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(20);
    await expect(use(token)).resolves.toBeDefined();
    // Rotation, as baseline does it, still works on the same token afterwards: nothing was consumed.
    const rotated = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: token }, { authorization: basic(client.client_id, client.client_secret!) });
    expect(rotated.status).toBe(200);
  });

  it('refuses at commit a token whose grant was revoked after it was checked, and revokes nothing more', async () => {
    const token = await refreshToken();
    const store = server.app.get(RefreshTokenStore);
    const { record, redemption } = await store.present(token, client.client_id, { rotate: false });
    await server.app.get(GrantRecords).revoke(record.id, 'revocation', 'test');
    await expect(server.app.get(AtomicWriter).commit([redemption])).rejects.toMatchObject({ code: 'invalid_grant' });
  });
});
