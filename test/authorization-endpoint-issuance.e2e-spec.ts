import { DEFAULT_TENANT } from '../src/common/request-context';
import { createHash, randomBytes } from 'node:crypto';
import type { ClientView } from '../src/clients/clients.service';
import { UsersService } from '../src/users/users.service';
import { TestBrowser } from './support/browser';
import { LoggedServer, startLogged, stop } from './support/logged-server';
import { createClient } from './support/server';

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://shop.example/cb';
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
const fragmentOf = (location: string | undefined) => Object.fromEntries(new URLSearchParams(new URL(location!).hash.slice(1)));

/**
 * Tokens the authorization endpoint issues itself (implicit and hybrid response types) go through
 * the token endpoint's issuance pipeline: the same policy, the same `token.issued` audit event and
 * the same token metrics, under grant type `implicit` (or `authorization_code` for hybrid).
 */
describe('the authorization endpoint issues through the one issuance pipeline', () => {
  let server: LoggedServer;
  let client: ClientView;
  let alice: string;

  beforeAll(async () => {
    server = await startLogged({ users: { scrypt_log_n: 14, scrypt_p: 1 }, oauth: { grant_type: { implicit: { enable: true } } } });
    client = await createClient(server, {
      client_name: 'Shop', grant_types: ['authorization_code', 'implicit'], response_types: ['code', 'id_token token', 'code id_token'],
      redirect_uris: [REDIRECT], scope: 'openid email', token_endpoint_auth_method: 'client_secret_basic',
    });
    alice = (await server.app.get(UsersService).create({ username: 'alice', password: PASSWORD, claims: { email: 'alice@example.com' } })).id;
  });
  afterAll(() => stop(server));

  /** Signs alice in through the login form and consent page; the client's redirect. */
  async function authorize(params: Record<string, string>): Promise<string | undefined> {
    const browser = new TestBrowser(server.url);
    const url = `${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT, scope: 'openid email', state: 'st', nonce: 'n-1', ...params })}`;
    const login = await browser.follow(url);
    const after = await browser.submit(login, { username: 'alice', password: PASSWORD });
    const answered = after.location?.startsWith(REDIRECT) ? after : await browser.submit(after, { decision: 'approve' });
    return answered.location;
  }

  const audit = () => server.records().filter((record) => record.audit === true);
  const issuedCount = async (grantType: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((row) => row.startsWith(`grantry_token_requests_total{grant_type="${grantType}",auth_method="client_secret_basic",outcome="issued",tenant="${DEFAULT_TENANT}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('implicit: the access and ID tokens are reported as token.issued under implicit, and counted', async () => {
    const before = await issuedCount('implicit');
    server.lines.length = 0;
    const answer = fragmentOf(await authorize({ response_type: 'id_token token' }));
    expect(answer).toMatchObject({ token_type: 'Bearer', scope: 'openid email', state: 'st' });
    const access = claimsOf(answer.access_token);
    const issued = audit().filter((record) => record.event === 'token.issued');
    expect(issued).toEqual([expect.objectContaining({ client_id: client.client_id, grant_type: 'implicit', sub: alice, scope: 'openid email', jti: access.jti, gid: access.gid })]);
    expect(await issuedCount('implicit')).toBe(before + 1);
    // The ID token names the user, with the nonce, beside the access token it hashes.
    expect(claimsOf(answer.id_token)).toMatchObject({ sub: alice, nonce: 'n-1', aud: client.client_id });
  });

  it('never hands a client that registered bound access tokens a bearer one through response_type token', async () => {
    const bound = await createClient(server, {
      client_name: 'Bound', grant_types: ['authorization_code', 'implicit'], response_types: ['id_token token'], redirect_uris: [REDIRECT], scope: 'openid email', dpop_bound_access_tokens: true,
    });
    const browser = new TestBrowser(server.url);
    const login = await browser.follow(`${server.url}/oauth2/authorize?${new URLSearchParams({ client_id: bound.client_id, redirect_uri: REDIRECT, scope: 'openid email', state: 'st', nonce: 'n-1', response_type: 'id_token token' })}`);
    const after = await browser.submit(login, { username: 'alice', password: PASSWORD });
    const answered = after.location?.startsWith(REDIRECT) ? after : await browser.submit(after, { decision: 'approve' });
    const answer = fragmentOf(answered.location);
    expect(answer).toMatchObject({ error: 'invalid_request', state: 'st' });
    expect(answer.access_token).toBeUndefined();
  });

  it('hybrid: the ID token issued with the code is reported under authorization_code; a code alone issues no token', async () => {
    server.lines.length = 0;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const answer = fragmentOf(await authorize({ response_type: 'code id_token', code_challenge: challenge, code_challenge_method: 'S256' }));
    expect(answer.code).toEqual(expect.any(String));
    expect(claimsOf(answer.id_token)).toMatchObject({ sub: alice, c_hash: expect.any(String) });
    expect(audit().filter((record) => record.event === 'token.issued')).toEqual([expect.objectContaining({ client_id: client.client_id, grant_type: 'authorization_code', sub: alice })]);

    server.lines.length = 0;
    const location = await authorize({ response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256' });
    expect(new URL(location!).searchParams.get('code')).toEqual(expect.any(String));
    expect(audit().filter((record) => record.event === 'token.issued')).toEqual([]);
  });
});
