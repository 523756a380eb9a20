import type { ClientView } from '../src/clients/clients.service';
import { DPOP_SIGNING_ALGS } from '../src/oauth/dpop/dpop-proof';
import { parseUserInput } from '../src/users/user-input';
import { UsersService } from '../src/users/users.service';
import { rawRequest, type RawAnswer } from './support/raw-http';
import { adminToken, basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const PASSWORD = 'correct horse battery';
const INVALID_TOKEN = 'the access token is invalid, expired or revoked';
const SENT_TWICE = 'the access token must be sent once, by one method';

/** RFC 6750 §3.1 answers, the same from every protected endpoint of the server. */
const MALFORMED: RawAnswer = {
  status: 401,
  challenge: `Bearer realm="grantry", error="invalid_token", error_description="${INVALID_TOKEN}"`,
  body: { error: 'invalid_token', error_description: INVALID_TOKEN },
};
const TWO_METHODS: RawAnswer = {
  status: 400,
  challenge: `Bearer realm="grantry", error="invalid_request", error_description="${SENT_TWICE}"`,
  body: { error: 'invalid_request', error_description: SENT_TWICE },
};
const NO_TOKEN: RawAnswer = { status: 401, challenge: 'Bearer realm="grantry"', body: { error: 'unauthorized', error_description: 'a bearer access token is required' } };

/** RFC 9449 §7.1: an endpoint that also takes DPoP-bound tokens (userinfo) challenges in both schemes, the DPoP one with its algs. */
function alsoDpop(answer: RawAnswer): RawAnswer {
  const attributes = (answer.challenge as string).slice('Bearer '.length);
  return { ...answer, challenge: `${answer.challenge as string}, DPoP ${attributes}, algs="${DPOP_SIGNING_ALGS.join(' ')}"` };
}

interface Endpoint {
  name: string;
  method: string;
  /** The path, and what a request to it needs besides the token. */
  path: () => string;
  body?: string;
  token: () => string;
  /** The status of a request with the token, sent properly. */
  accepted: number;
  /** It takes DPoP-bound tokens too (RFC 9449 §7.1). */
  dpop?: boolean;
}

/**
 * Every protected endpoint of the server takes its access token through one extractor (RFC 6750
 * §2) and answers a request without a usable one alike (§3.1): a malformed Authorization header
 * and a repeated one — two field lines, which `fetch` would merge, so these requests go through
 * node:http — with 401 invalid_token; a token sent by two methods with 400 invalid_request; none,
 * or credentials of another scheme, with a bare challenge.
 */
describe('protected resource requests (RFC 6750 §2, §3.1)', () => {
  let server: TestServer;
  let userToken: string;
  let admin: string;
  let registration: { uri: string; token: string };
  let initialToken: string;

  beforeAll(async () => {
    server = await startServer({ oauth: { grant_type: { password: { enable: true } } }, users: { scrypt_log_n: 14, scrypt_p: 1 } });
    await server.app.get(UsersService).create(parseUserInput({ username: 'alice', password: PASSWORD, claims: { name: 'Alice A' } }, true));
    const app: ClientView = await createClient(server, { grant_types: ['password'], scope: 'openid profile' });
    const issued = await tokenRequest(server, { grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid profile' }, { authorization: basic(app.client_id, app.client_secret!) });
    userToken = issued.body.access_token as string;
    admin = await adminToken(server);
    const created = await fetch(`${server.url}/api/admin/v1/initial-access-tokens`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{}' });
    initialToken = ((await created.json()) as { initial_access_token: string }).initial_access_token;
    const registered = await rawRequest(`${server.url}/oauth2/register`, { method: 'POST', headers: { authorization: `Bearer ${initialToken}`, 'content-type': 'application/json' }, body: '{"redirect_uris":["https://rp.example/cb"]}' });
    expect(registered.status).toBe(201);
    const body = registered.body as { registration_client_uri: string; registration_access_token: string };
    registration = { uri: body.registration_client_uri, token: body.registration_access_token };
  });
  afterAll(() => stopServer(server));

  const json = '{"redirect_uris":["https://rp.example/cb"]}';
  const endpoints: Endpoint[] = [
    { name: 'userinfo (GET)', method: 'GET', path: () => '/oauth2/userinfo', token: () => userToken, accepted: 200, dpop: true },
    { name: 'userinfo (POST)', method: 'POST', path: () => '/oauth2/userinfo', token: () => userToken, accepted: 200, dpop: true },
    { name: 'the admin API', method: 'GET', path: () => '/api/admin/v1/clients', token: () => admin, accepted: 200, dpop: true },
    { name: 'registration management (RFC 7592)', method: 'GET', path: () => new URL(registration.uri).pathname, token: () => registration.token, accepted: 200 },
    { name: 'registration (RFC 7591, initial access token)', method: 'POST', path: () => '/oauth2/register', body: json, token: () => initialToken, accepted: 201 },
  ];

  function send(endpoint: Endpoint, authorization: string | string[] | undefined, query = ''): Promise<RawAnswer> {
    const headers: Record<string, string | string[]> = endpoint.body === undefined ? {} : { 'content-type': 'application/json' };
    if (authorization !== undefined) headers.authorization = authorization;
    return rawRequest(`${server.url}${endpoint.path()}${query}`, { method: endpoint.method, headers, body: endpoint.body });
  }

  describe.each(endpoints)('$name', (endpoint) => {
    const answer = (expected: RawAnswer) => (endpoint.dpop ? alsoDpop(expected) : expected);
    it('accepts its token, alone in one Authorization header, with one space or several (1*SP)', async () => {
      expect((await send(endpoint, `Bearer ${endpoint.token()}`)).status).toBe(endpoint.accepted);
      expect((await send(endpoint, `bearer   ${endpoint.token()}`)).status).toBe(endpoint.accepted);
    });

    it('answers a malformed Authorization header with 401 invalid_token and its challenge', async () => {
      for (const authorization of [`Bearer ${endpoint.token()} x`, 'Bearer', `Bearer "${endpoint.token()}"`, `Bearer ${endpoint.token()},x`]) {
        expect({ authorization, ...(await send(endpoint, authorization)) }).toEqual({ authorization, ...answer(MALFORMED) });
      }
    });

    it('answers two Authorization headers with the same 401, even when both carry its valid token', async () => {
      const valid = `Bearer ${endpoint.token()}`;
      expect(await send(endpoint, [valid, valid])).toEqual(answer(MALFORMED));
      expect(await send(endpoint, [valid, 'Bearer another-token'])).toEqual(answer(MALFORMED));
      expect(await send(endpoint, ['Bearer another-token', valid])).toEqual(answer(MALFORMED));
    });

    it('answers a token in the header and the query with 400 invalid_request (§2: one method)', async () => {
      expect(await send(endpoint, `Bearer ${endpoint.token()}`, `?access_token=${endpoint.token()}`)).toEqual(answer(TWO_METHODS));
    });

    it('answers no token, another scheme or a token in the query alone with a bare challenge (§3.1)', async () => {
      expect(await send(endpoint, undefined)).toEqual(answer(NO_TOKEN));
      expect(await send(endpoint, 'Basic YWxpY2U6c2VjcmV0')).toEqual(answer(NO_TOKEN));
      expect(await send(endpoint, undefined, `?access_token=${endpoint.token()}`)).toEqual(answer(NO_TOKEN));
    });
  });

  describe('userinfo form tokens (RFC 6750 §2.2)', () => {
    const post = (headers: Record<string, string | string[]>, body: string) =>
      rawRequest(`${server.url}/oauth2/userinfo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

    it('accepts the token in the form alone', async () => {
      expect((await post({}, `access_token=${userToken}`)).status).toBe(200);
    });

    it('answers a token in the header and the form, or twice in the form, with 400 invalid_request', async () => {
      expect(await post({ authorization: `Bearer ${userToken}` }, `access_token=${userToken}`)).toEqual(alsoDpop(TWO_METHODS));
      expect(await post({}, `access_token=${userToken}&access_token=${userToken}`)).toEqual(alsoDpop(TWO_METHODS));
    });

    it('answers an empty form token like a malformed header', async () => {
      expect(await post({}, 'access_token=')).toEqual(alsoDpop(MALFORMED));
    });
  });

  it('takes no form token at the admin API, whose bodies are JSON: beside the header it is a second method', async () => {
    const answer = await rawRequest(`${server.url}/api/admin/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${admin}`,
    });
    expect(answer).toEqual(alsoDpop(TWO_METHODS));
  });
});
