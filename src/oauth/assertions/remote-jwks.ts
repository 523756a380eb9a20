import type { JWK } from 'jose';
import { candidateKeys } from './jwk-selection';
import { TtlCache } from '../../common/ttl-cache';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';

export interface RemoteJwksOptions {
  /** Longest a fetched set is kept, whatever Cache-Control says. */
  maxTtlSeconds: number;
  /** Shortest a fetched set is kept, so a `max-age=0` server is not fetched on every request. */
  minTtlSeconds?: number;
  /** Kept this long when the server sends no Cache-Control max-age (default: maxTtlSeconds). */
  defaultTtlSeconds?: number;
  capacity: number;
  /** Seconds between refetches forced by an unknown kid, so made-up kids cannot flood the remote server. */
  refetchCooldownSeconds?: number;
}

type FetchOptions = { allowHttp?: boolean; allowPrivateNetworks?: boolean };

/** JWK Sets fetched from `jwks_uri`s through the outbound fetcher, cached, refetched on key rotation. */
export class RemoteJwks {
  private readonly cache: TtlCache<string, JWK[]>;
  private readonly lastFetch = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<JWK[]>>();

  constructor(private readonly fetcher: OutboundFetcher, private readonly options: RemoteJwksOptions) {
    this.cache = new TtlCache(options.maxTtlSeconds, options.capacity);
  }

  /**
   * The keys of `uri` that may verify a JWS with this header. A kid not in the cached set
   * means the remote side rotated: refetch once (rate-limited) before giving up.
   */
  async candidates(uri: string, header: { alg?: string; kid?: string }, fetchOptions?: FetchOptions): Promise<JWK[]> {
    const keys = candidateKeys(await this.keys(uri, fetchOptions), header);
    if (keys.length || header.kid === undefined) return keys;
    return candidateKeys(await this.refetch(uri, fetchOptions), header);
  }

  /** The cached set, fetched when missing or expired. */
  async keys(uri: string, fetchOptions?: FetchOptions): Promise<JWK[]> {
    return this.cache.get(uri) ?? this.fetch(uri, fetchOptions);
  }

  /**
   * A fresh set for a kid the cached one lacks (the remote side rotated its keys) — unless
   * this URI was fetched within the cooldown, then the cached set.
   */
  async refetch(uri: string, fetchOptions?: FetchOptions): Promise<JWK[]> {
    const cooldown = Math.max(1, this.options.refetchCooldownSeconds ?? 1) * 1000;
    if (Date.now() - (this.lastFetch.get(uri) ?? 0) < cooldown) return this.cache.get(uri) ?? [];
    return this.fetch(uri, fetchOptions);
  }

  private fetch(uri: string, fetchOptions?: FetchOptions): Promise<JWK[]> {
    let pending = this.inFlight.get(uri);
    if (!pending) {
      this.lastFetch.set(uri, Date.now());
      pending = this.fetcher
        .fetchJson(uri, fetchOptions)
        .then(({ body, maxAge }) => {
          const keys = (body as { keys?: unknown })?.keys;
          if (!Array.isArray(keys)) throw new Error(`${uri}: not a JWK Set`);
          const jwks = keys.filter((key): key is JWK => !!key && typeof key === 'object' && typeof key.kty === 'string');
          const { minTtlSeconds = 0, defaultTtlSeconds = this.options.maxTtlSeconds } = this.options;
          this.cache.set(uri, jwks, Math.max(minTtlSeconds, maxAge ?? defaultTtlSeconds));
          return jwks;
        })
        .finally(() => this.inFlight.delete(uri));
      this.inFlight.set(uri, pending);
    }
    return pending;
  }
}
