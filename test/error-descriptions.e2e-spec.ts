import type { ClientView } from '../src/clients/clients.service';
import { TestBrowser } from './support/browser';
import { basic, createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const REDIRECT = 'https://rp.example/callback';
/** RFC 6749 §4.1.2.1, §5.2: the characters error_description may hold. */
const ALLOWED = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;
/** What the review sent: a quote, a right-to-left override, a backslash, a line feed. */
const HOSTILE = '"\u202e\\\nx';

/**
 * Issue 23 review F5: a description that quotes what a request sent holds only the characters
 * RFC 6749 allows, at the token endpoint (§5.2) and at the redirect URI (§4.1.2.1): a quote
 * becomes `'`, anything else outside the set `?`.
 */
describe('error_description holds only %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §4.1.2.1, §5.2)', () => {
  let server: TestServer;
  let rp: ClientView;
  let machine: ClientView;

  beforeAll(async () => {
    server = await startServer({});
    rp = await createClient(server, { client_name: 'Shop', grant_types: ['authorization_code'], redirect_uris: [REDIRECT], scope: 'openid' });
    machine = await createClient(server, { client_name: 'Machine', grant_types: ['client_credentials'], scope: 'read' });
  });
  afterAll(() => stopServer(server));

  /** The parameters the browser is sent back to the redirect URI with: from the query, else the fragment. */
  async function redirected(params: Record<string, string>): Promise<Record<string, string>> {
    const query = new URLSearchParams({ client_id: rp.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'st', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...params });
    const answer = await new TestBrowser(server.url).request(`/oauth2/authorize?${query}`);
    expect(answer.location).toMatch(/^https:\/\/rp\.example\/callback[?#]/);
    const url = new URL(answer.location!);
    return Object.fromEntries(new URLSearchParams(url.search || url.hash.slice(1)));
  }

  it('at the redirect URI, for an unsupported response_type', async () => {
    const answer = await redirected({ response_type: HOSTILE });
    expect(answer).toEqual({ error: 'unsupported_response_type', error_description: "response_type '???x is not supported", state: 'st', iss: server.url });
  });

  it('at the redirect URI, for an unsupported response_mode', async () => {
    const answer = await redirected({ response_mode: HOSTILE });
    expect(answer).toEqual({ error: 'invalid_request', error_description: "response_mode '???x is not supported", state: 'st', iss: server.url });
  });

  it('at the token endpoint, for an unsupported grant_type', async () => {
    const { status, body } = await tokenRequest(server, { grant_type: HOSTILE }, { authorization: basic(machine.client_id, machine.client_secret!) });
    expect({ status, body }).toEqual({ status: 400, body: { error: 'unsupported_grant_type', error_description: "grant_type '???x is not supported" } });
  });

  it('at the token endpoint, for a scope', async () => {
    const { status, body } = await tokenRequest(server, { grant_type: 'client_credentials', scope: `read ${HOSTILE}` }, { authorization: basic(machine.client_id, machine.client_secret!) });
    expect({ status, body }).toEqual({ status: 400, body: { error: 'invalid_scope', error_description: "scope not allowed for this client: '???x (this client's registered scopes: read)" } });
    expect(body.error_description).toMatch(ALLOWED);
  });
});
