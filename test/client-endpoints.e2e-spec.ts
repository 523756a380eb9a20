import type { ClientView } from '../src/clients/clients.service';
import { POST_ONLY_ENDPOINTS } from '../src/common/post-only-endpoints';
import { LoggedServer, startLogged, stop } from './support/logged-server';
import { basic, createClient } from './support/server';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * The token endpoint is a Fastify route, the other endpoints clients call are Nest controllers
 * (issue "Core seams I", item 5: the figures kept the route). What crosses every route must not
 * tell them apart: the same 405 to other methods, the same uncacheable answers, the same request
 * line naming the client — on token, introspection, revocation and registration alike.
 */
describe('client endpoints answer alike, whichever router serves them', () => {
  let server: LoggedServer;
  let client: ClientView;

  beforeAll(async () => {
    server = await startLogged({ oauth: { registration: { open: true } } });
    client = await createClient(server, { grant_types: ['client_credentials'], scope: 'read' });
  });
  afterAll(() => stop(server));

  const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  const headersOf = (response: Response) => ({ 'cache-control': response.headers.get('cache-control'), pragma: response.headers.get('pragma') });
  const requestLine = (path: string) => server.records().filter((record) => record.msg === 'request' && record.route === path);

  it.each([...POST_ONLY_ENDPOINTS].flatMap(([path, name]) => ['GET', 'PUT', 'DELETE', 'PATCH'].map((method) => [method, path, name])))(
    'answers %s %s with 405, Allow: POST, no-store and an RFC 6749 error',
    async (method, path, name) => {
      const response = await fetch(`${server.url}${path}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(headersOf(response)).toEqual(NO_STORE);
      expect(await response.json()).toEqual({ error: 'invalid_request', error_description: `${name} accepts POST only` });
    },
  );

  it('answers POST on each with no-store, success or refusal, and names the client in the request line once it is known', async () => {
    const authorization = basic(client.client_id, client.client_secret!);
    server.lines.length = 0;
    const token = await post('/oauth2/token', 'grant_type=client_credentials&scope=read', { ...FORM, authorization });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const answers = [
      token,
      await post('/oauth2/introspect', `token=${accessToken}`, { ...FORM, authorization }),
      await post('/oauth2/revoke', `token=${accessToken}`, { ...FORM, authorization }),
      await post('/oauth2/register', JSON.stringify({ client_name: 'self', redirect_uris: ['https://self.example/cb'] }), { 'content-type': 'application/json' }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 201]);
    for (const answer of answers) expect(headersOf(answer)).toEqual(NO_STORE);
    const registered = (await answers[3].json()) as { client_id: string };

    expect(requestLine('/oauth2/token')).toEqual([expect.objectContaining({ method: 'POST', status: 200, client_id: client.client_id, grant_type: 'client_credentials' })]);
    expect(requestLine('/oauth2/introspect')).toEqual([expect.objectContaining({ method: 'POST', status: 200, client_id: client.client_id })]);
    expect(requestLine('/oauth2/revoke')).toEqual([expect.objectContaining({ method: 'POST', status: 200, client_id: client.client_id })]);
    expect(requestLine('/oauth2/register')).toEqual([expect.objectContaining({ method: 'POST', status: 201, client_id: registered.client_id })]);
  });

  it('refuses a wrong secret alike on token, introspection and revocation: 401, a Basic challenge, no-store, no client named', async () => {
    const authorization = basic(client.client_id, 'not-the-secret');
    server.lines.length = 0;
    for (const [path, body] of [['/oauth2/token', 'grant_type=client_credentials'], ['/oauth2/introspect', 'token=x'], ['/oauth2/revoke', 'token=x']]) {
      const refused = await post(path, body, { ...FORM, authorization });
      expect({ path, status: refused.status, challenge: refused.headers.get('www-authenticate'), ...headersOf(refused) }).toEqual({ path, status: 401, challenge: expect.stringMatching(/^Basic /), ...NO_STORE });
      expect(((await refused.json()) as { error: string }).error).toBe('invalid_client');
      expect(requestLine(path)).toEqual([expect.not.objectContaining({ client_id: expect.anything() })]);
    }
  });
});
