import { keyPair, jwksServer, type SigningKeyPair } from '../../../test/support/assertions';
import { OutboundSettings } from '../../config/config.schema';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';
import { RemoteJwks, RemoteJwksOptions } from './remote-jwks';

/**
 * RemoteJwks against a JWKS endpoint on loopback (real HTTP through the outbound fetcher); the
 * clock is Date.now, moved by the test, so lifetimes and cooldowns need no sleeping.
 */
describe('RemoteJwks', () => {
  const LIFETIME = 60;
  const COOLDOWN = 10;
  const STALE_IF_ERROR = 300;
  let clock: number;
  let key: SigningKeyPair;
  let stub: Awaited<ReturnType<typeof jwksServer>>;
  let errors: { uri: string; message: string; stillServing: boolean }[];

  const fetcher = new OutboundFetcher(Object.assign(new OutboundSettings(), { allow_http: true, allow_private_networks: true }));
  const remoteJwks = (options: Partial<RemoteJwksOptions> = {}) =>
    new RemoteJwks(fetcher, {
      maxTtlSeconds: LIFETIME,
      capacity: 10,
      refetchCooldownSeconds: COOLDOWN,
      staleIfErrorSeconds: STALE_IF_ERROR,
      onFetchError: (uri, error, stillServing) => errors.push({ uri, message: error.message, stillServing }),
      ...options,
    });
  const header = (kid: string) => ({ alg: 'ES256', kid });
  const pass = (seconds: number) => (clock += seconds * 1000);

  beforeAll(async () => {
    key = await keyPair('ES256');
  });
  beforeEach(async () => {
    clock = 1_800_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    errors = [];
    stub = await jwksServer([key.publicJwk]);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await stub.close();
  });

  it('keeps one set, failure and cooldown per scope (tenant): a failure in one scope is not another\'s answer', async () => {
    let scope = 'wso2.com';
    const jwks = remoteJwks({ scope: () => scope });
    stub.setStatus(500);
    await expect(jwks.keys(stub.url)).rejects.toThrow(`${stub.url}: HTTP 500`);
    expect(jwks.lastError(stub.url)?.message).toBe(`${stub.url}: HTTP 500`);
    stub.setStatus(200);
    // Within wso2.com's cooldown, acme fetches for itself...
    scope = 'acme.example';
    expect(jwks.lastError(stub.url)).toBeUndefined();
    expect(await jwks.keys(stub.url)).toEqual([key.publicJwk]);
    expect(stub.hits()).toBe(2);
    // ...and wso2.com still waits out its own.
    scope = 'wso2.com';
    await expect(jwks.keys(stub.url)).rejects.toThrow(`${stub.url}: HTTP 500`);
    expect(stub.hits()).toBe(2);
  });

  it('keeps the last good set when a fetch after its lifetime fails, and records the error apart', async () => {
    const jwks = remoteJwks();
    expect(await jwks.keys(stub.url)).toEqual([key.publicJwk]);
    pass(LIFETIME);
    stub.setStatus(500);
    expect(await jwks.keys(stub.url)).toEqual([key.publicJwk]);
    expect(stub.hits()).toBe(2);
    expect(jwks.lastError(stub.url)?.message).toBe(`${stub.url}: HTTP 500`);
    expect(errors).toEqual([{ uri: stub.url, message: `${stub.url}: HTTP 500`, stillServing: true }]);

    // The endpoint recovers: the next fetch the cooldown allows replaces the set and clears the error.
    stub.setStatus(200);
    pass(COOLDOWN);
    expect(await jwks.keys(stub.url)).toEqual([key.publicJwk]);
    expect(stub.hits()).toBe(3);
    expect(jwks.lastError(stub.url)).toBeUndefined();
  });

  it('refuses only a token whose kid is unknown when the refetch it prompts fails: the set stays', async () => {
    const jwks = remoteJwks();
    expect(await jwks.candidates(stub.url, header(key.kid))).toEqual([key.publicJwk]);
    pass(COOLDOWN);
    stub.setStatus(500);
    expect(await jwks.candidates(stub.url, header('made-up-kid'))).toEqual([]);
    expect(stub.hits()).toBe(2);
    expect(jwks.lastError(stub.url)?.message).toBe(`${stub.url}: HTTP 500`);
    expect(await jwks.candidates(stub.url, header(key.kid))).toEqual([key.publicJwk]);
  });

  it('keeps the set when the JWKS endpoint cannot be reached at all', async () => {
    const jwks = remoteJwks();
    expect(await jwks.candidates(stub.url, header(key.kid))).toEqual([key.publicJwk]);
    await stub.close();
    pass(COOLDOWN);
    expect(await jwks.candidates(stub.url, header('made-up-kid'))).toEqual([]);
    // Refused, or a kept-alive connection hung up: either way, no answer.
    expect(jwks.lastError(stub.url)?.message).toMatch(/ECONNREFUSED|socket hang up|ECONNRESET/);
    expect(await jwks.candidates(stub.url, header(key.kid))).toEqual([key.publicJwk]);
  });

  it('serves a set past its lifetime for staleIfErrorSeconds at most while fetches fail, then answers the failure', async () => {
    const jwks = remoteJwks();
    await jwks.keys(stub.url);
    stub.setStatus(503);
    pass(LIFETIME + STALE_IF_ERROR - 1);
    expect(await jwks.keys(stub.url)).toEqual([key.publicJwk]);
    pass(1);
    await expect(jwks.keys(stub.url)).rejects.toThrow(`${stub.url}: HTTP 503`);
    // Without stale-if-error, a set is not used past its lifetime.
    const strict = remoteJwks({ staleIfErrorSeconds: 0 });
    stub.setStatus(200);
    await strict.keys(stub.url);
    stub.setStatus(503);
    pass(LIFETIME);
    await expect(strict.keys(stub.url)).rejects.toThrow(`${stub.url}: HTTP 503`);
  });

  it('fetches at most once per cooldown, whatever prompts it: unknown kids, failures', async () => {
    const jwks = remoteJwks();
    await jwks.keys(stub.url);
    stub.setStatus(500);
    pass(COOLDOWN - 1);
    for (let i = 0; i < 20; i++) expect(await jwks.candidates(stub.url, header(`made-up-${i}`))).toEqual([]);
    expect(stub.hits()).toBe(1);
    pass(1);
    for (let i = 0; i < 20; i++) expect(await jwks.candidates(stub.url, header(`made-up-${i}`))).toEqual([]);
    expect(stub.hits()).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('answers a URI that never answered with its failure, without fetching again within the cooldown', async () => {
    stub.setStatus(500);
    const jwks = remoteJwks();
    await expect(jwks.keys(stub.url)).rejects.toThrow(`${stub.url}: HTTP 500`);
    await expect(jwks.candidates(stub.url, header(key.kid))).rejects.toThrow(`${stub.url}: HTTP 500`);
    expect(stub.hits()).toBe(1);
    expect(errors).toEqual([{ uri: stub.url, message: `${stub.url}: HTTP 500`, stillServing: false }]);
    stub.setStatus(200);
    pass(COOLDOWN);
    expect(await jwks.candidates(stub.url, header(key.kid))).toEqual([key.publicJwk]);
    expect(stub.hits()).toBe(2);
  });

  describe('with a full cache (capacity)', () => {
    let failing: Awaited<ReturnType<typeof jwksServer>>;
    beforeEach(async () => {
      failing = await jwksServer([]);
      failing.setStatus(500);
    });
    afterEach(() => failing.close());

    it('never lets URIs that fail push out a set that serves, even one past its lifetime (stale-if-error)', async () => {
      const jwks = remoteJwks({ capacity: 2 });
      expect(await jwks.keys(stub.url)).toEqual([key.publicJwk]);
      // The client's JWKS endpoint goes down; a registrant names URI after URI that never answers.
      stub.setStatus(503);
      pass(LIFETIME);
      for (let i = 0; i < 5; i++) await expect(jwks.keys(`${failing.url}/${i}`)).rejects.toThrow(`${failing.url}/${i}: HTTP 500`);
      expect(failing.hits()).toBe(5);
      expect(await jwks.candidates(stub.url, header(key.kid))).toEqual([key.publicJwk]);
      // Failing URIs push out failing URIs only: the first is fetched again, the last is still in its cooldown.
      await expect(jwks.keys(`${failing.url}/0`)).rejects.toThrow(`${failing.url}/0: HTTP 500`);
      await expect(jwks.keys(`${failing.url}/4`)).rejects.toThrow(`${failing.url}/4: HTTP 500`);
      expect(failing.hits()).toBe(6);
    });

    it('pushes out the least recently used set, not the least recently fetched', async () => {
      const jwks = remoteJwks({ capacity: 2 });
      const [a, b, c] = ['a', 'b', 'c'].map((name) => `${stub.url}/${name}`);
      await jwks.keys(a);
      await jwks.keys(b);
      await jwks.keys(a); // used again: b is now the least recently used
      await jwks.keys(c);
      expect(stub.hits()).toBe(3);
      await jwks.keys(a);
      expect(stub.hits()).toBe(3);
      await jwks.keys(b);
      expect(stub.hits()).toBe(4);
    });
  });

  it('shares one fetch among concurrent callers', async () => {
    const jwks = remoteJwks();
    const answers = await Promise.all(Array.from({ length: 10 }, () => jwks.keys(stub.url)));
    expect(answers).toEqual(Array(10).fill([key.publicJwk]));
    expect(stub.hits()).toBe(1);
  });
});
