import type { FastifyRequest } from 'fastify';
import { TrustedProxies } from '../../config/trusted-proxies';
import { ConnectionPolicy } from './connection-facts';

const proxies = TrustedProxies.parse(['10.0.0.0/8', '::1', '192.0.2.10']).proxies;
const policy = new ConnectionPolicy({ proxies, certificateHeader: 'x-ssl-client-cert' });

function request(peer: string, headers: Record<string, string>): FastifyRequest {
  return { raw: { socket: { remoteAddress: peer }, headers: { ...headers } } } as unknown as FastifyRequest;
}

describe('ConnectionPolicy: forwarding headers only from [server] trusted_proxies', () => {
  it('takes the peer, whatever X-Forwarded-For and -Proto say, from an untrusted peer, and deletes its certificate header', () => {
    const forged = request('203.0.113.5', { 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https', 'x-ssl-client-cert': 'pem' });
    const facts = policy.factsOf(forged);
    expect(facts).toMatchObject({ peer: '203.0.113.5', clientAddress: '203.0.113.5', https: false, viaTrustedProxy: false });
    expect(facts.certificate).toBeUndefined();
    expect(forged.raw.headers['x-ssl-client-cert']).toBeUndefined();
  });

  it('takes the right-most X-Forwarded-For entry that is not a trusted proxy from a trusted one', () => {
    expect(policy.factsOf(request('10.1.1.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.9, 10.2.2.2' })).clientAddress).toBe('203.0.113.9');
    expect(policy.factsOf(request('::ffff:10.1.1.1', { 'x-forwarded-for': '[2001:db8::5]:443, 192.0.2.10:8080' })).clientAddress).toBe('2001:db8::5');
    // Only trusted hops: the left-most is as far as anyone vouches.
    expect(policy.factsOf(request('::1', { 'x-forwarded-for': '10.3.3.3' })).clientAddress).toBe('10.3.3.3');
    // Garbage ends the walk at the hop that passed it on.
    expect(policy.factsOf(request('10.1.1.1', { 'x-forwarded-for': 'unknown, 10.4.4.4' })).clientAddress).toBe('10.4.4.4');
    expect(policy.factsOf(request('10.1.1.1', {})).clientAddress).toBe('10.1.1.1');
  });

  it('takes the nearest trusted proxy\'s X-Forwarded-Proto', () => {
    expect(policy.factsOf(request('10.1.1.1', { 'x-forwarded-proto': 'http, https' })).https).toBe(true);
    expect(policy.factsOf(request('10.1.1.1', { 'x-forwarded-proto': 'http' })).https).toBe(false);
  });

  it('trusts no one without trusted_proxies', () => {
    expect(new ConnectionPolicy().factsOf(request('10.1.1.1', { 'x-forwarded-for': '198.51.100.1' })).clientAddress).toBe('10.1.1.1');
  });
});
