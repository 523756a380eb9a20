import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundSettings } from '../config/config.schema';
import { OutboundError, OutboundFetcher } from './outbound-fetcher';

/**
 * The address policy on URLs that name an IP address: no DNS lookup happens for those, so the
 * check of the resolved addresses never sees them — the literal must be refused before connecting.
 * A loopback server that counts requests stands in for the private service an attacker aims at.
 */
describe('OutboundFetcher and IP literals', () => {
  let stub: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    stub = createServer((_, response) => {
      hits++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    port = (stub.address() as AddressInfo).port;
  });
  afterAll(async () => {
    const closed = new Promise<void>((resolve) => stub.close(() => resolve()));
    stub.closeAllConnections();
    await closed;
  });
  beforeEach(() => (hits = 0));

  const fetcher = (settings: Partial<OutboundSettings>) => new OutboundFetcher(Object.assign(new OutboundSettings(), settings));

  it.each([
    ['an IPv4 literal', (p: number) => `http://127.0.0.1:${p}/jwks`],
    ['an IPv4-mapped IPv6 literal', (p: number) => `http://[::ffff:127.0.0.1]:${p}/jwks`],
  ])('refuses %s of a loopback address when allow_private_networks is off, and sends nothing', async (_, url) => {
    const uri = url(port);
    const refused = fetcher({ allow_http: true, allow_private_networks: false }).fetchJson(uri);
    await expect(refused).rejects.toThrow(OutboundError);
    await expect(refused).rejects.toMatchObject({ outcome: 'refused', message: `${uri}: refusing a loopback, private or link-local address` });
    expect(hits).toBe(0);
  });

  it('reaches the same address when allow_private_networks is on (the refusal above is the policy, not the network)', async () => {
    await expect(fetcher({ allow_http: true, allow_private_networks: true }).fetchJson(`http://127.0.0.1:${port}/jwks`)).resolves.toEqual({ body: { keys: [] }, maxAge: undefined });
    expect(hits).toBe(1);
  });
});
