import { createServer, Server } from 'node:http';
import { keyPair, signAssertion, SigningKeyPair } from './support/assertions';
import { createClient, startServer, stopServer, TestServer, tokenRequest } from './support/server';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A jwks_uri on loopback that answers as the test says and counts what it is asked. */
async function stubJwks(answer: (response: import('node:http').ServerResponse) => void): Promise<{ url: string; hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_, response) => {
    hits++;
    answer(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    hits: () => hits,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}

/**
 * Anyone who knows a client_id can send junk assertions for it; none of that may turn grantry
 * into a flood of fetches against the client's jwks_uri (one per cooldown, whatever happens).
 */
describe('no outbound storms from junk client assertions', () => {
  let server: TestServer;
  let key: SigningKeyPair;
  beforeAll(async () => {
    server = await startServer({ oauth: { outbound: { allow_http: true, allow_private_networks: true } } });
    key = await keyPair('ES256');
  });
  afterAll(() => stopServer(server));

  async function junk(jwksUri: string, count: number): Promise<void> {
    const client = await createClient(server, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri });
    for (let i = 0; i < count; i++) {
      // A made-up kid each time: what an attacker sends to force "the remote side rotated" refetches.
      const assertion = await signAssertion({ ...key, kid: `made-up-${i}` }, { iss: client.client_id, sub: client.client_id, aud: `${server.url}/oauth2/token` });
      const { status } = await tokenRequest(server, { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion });
      expect(status).toBe(401);
    }
  }

  it('fetches a failing jwks_uri at most a few times for 60 junk requests', async () => {
    const failing = await stubJwks((response) => response.writeHead(500).end());
    try {
      await junk(failing.url, 60);
      expect(failing.hits()).toBeGreaterThanOrEqual(1);
      expect(failing.hits()).toBeLessThanOrEqual(3);
    } finally {
      await failing.close();
    }
  });

  it('fetches a jwks_uri that sends max-age=0 at most a few times for 60 requests with unknown kids', async () => {
    const eager = await stubJwks((response) =>
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=0' }).end(JSON.stringify({ keys: [key.publicJwk] })),
    );
    try {
      await junk(eager.url, 60);
      expect(eager.hits()).toBeGreaterThanOrEqual(1);
      expect(eager.hits()).toBeLessThanOrEqual(3);
    } finally {
      await eager.close();
    }
  });
});
