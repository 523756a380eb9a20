import { startServer, stopServer, TestServer } from './support/server';

describe('health and method errors', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => stopServer(server));

  it('answers liveness and readiness', async () => {
    const live = await fetch(`${server.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', database: 'up', keys: 'loaded' });
  });

  it('answers GET on the token endpoint with 405 and Allow: POST (RFC 6749 §3.2)', async () => {
    const response = await fetch(`${server.url}/oauth2/token`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'the token endpoint accepts POST only' });
  });
});
