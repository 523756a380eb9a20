import type { JWK } from 'jose';
import { TtlCache } from '../../common/ttl-cache';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';

export interface RemoteJwksOptions {
  /** Seconds a fetched set is kept (a shorter Cache-Control max-age wins). */
  ttlSeconds: number;
  capacity: number;
  /** Seconds between refetches forced by an unknown kid, so made-up kids cannot flood the remote server. */
  refetchCooldownSeconds?: number;
}

/** JWK Sets fetched from `jwks_uri`s through the outbound fetcher, cached, refetched on key rotation. */
export class RemoteJwks {
  private readonly cache: TtlCache<string, JWK[]>;
  private readonly lastFetch = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<JWK[]>>();

  constructor(private readonly fetcher: OutboundFetcher, private readonly options: RemoteJwksOptions) {
    this.cache = new TtlCache(options.ttlSeconds, options.capacity);
  }

  /** The cached set, fetched when missing or expired. */
  async keys(uri: string, fetchOptions?: { allowHttp?: boolean; allowPrivateNetworks?: boolean }): Promise<JWK[]> {
    return this.cache.get(uri) ?? this.fetch(uri, fetchOptions);
  }

  /**
   * A fresh set for a kid the cached one lacks (the remote side rotated its keys) — unless
   * this URI was fetched within the cooldown, then the cached set.
   */
  async refetch(uri: string, fetchOptions?: { allowHttp?: boolean; allowPrivateNetworks?: boolean }): Promise<JWK[]> {
    const cooldown = (this.options.refetchCooldownSeconds ?? 1) * 1000;
    if (Date.now() - (this.lastFetch.get(uri) ?? 0) < cooldown) return this.cache.get(uri) ?? [];
    return this.fetch(uri, fetchOptions);
  }

  private fetch(uri: string, fetchOptions?: { allowHttp?: boolean; allowPrivateNetworks?: boolean }): Promise<JWK[]> {
    let pending = this.inFlight.get(uri);
    if (!pending) {
      this.lastFetch.set(uri, Date.now());
      pending = this.fetcher
        .fetchJson(uri, fetchOptions)
        .then(({ body, maxAge }) => {
          const keys = (body as { keys?: unknown })?.keys;
          if (!Array.isArray(keys)) throw new Error(`${uri}: not a JWK Set`);
          const jwks = keys.filter((key): key is JWK => !!key && typeof key === 'object' && typeof key.kty === 'string');
          this.cache.set(uri, jwks, maxAge ?? this.options.ttlSeconds);
          return jwks;
        })
        .finally(() => this.inFlight.delete(uri));
      this.inFlight.set(uri, pending);
    }
    return pending;
  }
}
