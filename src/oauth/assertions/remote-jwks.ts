import type { JWK } from 'jose';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';
import { candidateKeys } from '../../keys/jwk-selection';

export interface RemoteJwksOptions {
  /** Longest a fetched set is kept, whatever Cache-Control says. */
  maxTtlSeconds: number;
  /** Shortest a fetched set is kept (never below the cooldown), so a `max-age=0` server is not fetched on every request. */
  minTtlSeconds?: number;
  /** Kept this long when the server sends no Cache-Control max-age (default: maxTtlSeconds). */
  defaultTtlSeconds?: number;
  capacity: number;
  /**
   * Seconds that must pass between two fetches of one URI, whatever prompts them (an expired
   * set, an unknown kid, an earlier failure), so junk requests cannot make grantry flood the
   * remote server: `[oauth.outbound] jwks_refetch_cooldown`; 1 is the floor.
   */
  refetchCooldownSeconds?: number;
}

type FetchOptions = { allowHttp?: boolean; allowPrivateNetworks?: boolean };

interface Entry {
  keys?: JWK[];
  /** Set when the last fetch failed: answered again, without fetching, until the cooldown passed. */
  error?: Error;
  fetchedAt: number;
  /** When the set should be fetched again (it is still used until the cooldown allows a fetch). */
  freshUntil: number;
}

/**
 * JWK Sets fetched from `jwks_uri`s through the outbound fetcher. A URI is fetched at most once
 * per cooldown: a set past its lifetime, a kid the set lacks (the remote side rotated) or a
 * failure all wait for it, answering with what was fetched last (a failure, briefly, too).
 */
export class RemoteJwks {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private readonly cooldownMs: number;

  constructor(private readonly fetcher: OutboundFetcher, private readonly options: RemoteJwksOptions) {
    this.cooldownMs = Math.max(1, options.refetchCooldownSeconds ?? 1) * 1000;
  }

  /**
   * The keys of `uri` that may verify a JWS with this header. A kid not in the set means the
   * remote side rotated: fetch again (within the cooldown rule) before giving up.
   */
  async candidates(uri: string, header: { alg?: string; kid?: string }, fetchOptions?: FetchOptions): Promise<JWK[]> {
    const keys = candidateKeys(await this.keys(uri, fetchOptions), header);
    if (keys.length || header.kid === undefined) return keys;
    return candidateKeys(await this.keys(uri, fetchOptions, true), header);
  }

  /** The set, fetched when there is none, or when it is stale (or `stale` says so) and the cooldown allows. */
  async keys(uri: string, fetchOptions?: FetchOptions, stale = false): Promise<JWK[]> {
    let entry = this.entries.get(uri);
    const now = Date.now();
    const mayFetch = !entry || now - entry.fetchedAt >= this.cooldownMs;
    if (mayFetch && (!entry || stale || entry.error || now >= entry.freshUntil)) entry = await this.fetch(uri, fetchOptions);
    if (entry!.error) throw entry!.error;
    return entry!.keys!;
  }

  private fetch(uri: string, fetchOptions?: FetchOptions): Promise<Entry> {
    let pending = this.inFlight.get(uri);
    if (!pending) {
      const fetchedAt = Date.now();
      pending = this.fetcher
        .fetchJson(uri, fetchOptions)
        .then(({ body, maxAge }): Entry => {
          const keys = (body as { keys?: unknown })?.keys;
          if (!Array.isArray(keys)) throw new Error(`${uri}: not a JWK Set`);
          const jwks = keys.filter((key): key is JWK => !!key && typeof key === 'object' && typeof key.kty === 'string');
          const { minTtlSeconds = 0, defaultTtlSeconds = this.options.maxTtlSeconds, maxTtlSeconds } = this.options;
          const ttlSeconds = Math.min(maxTtlSeconds, Math.max(minTtlSeconds, maxAge ?? defaultTtlSeconds));
          return { keys: jwks, fetchedAt, freshUntil: fetchedAt + ttlSeconds * 1000 };
        })
        .catch((error: Error): Entry => ({ error, fetchedAt, freshUntil: fetchedAt }))
        .then((entry) => {
          this.remember(uri, entry);
          return entry;
        })
        .finally(() => this.inFlight.delete(uri));
      this.inFlight.set(uri, pending);
    }
    return pending;
  }

  /** Keeps at most `capacity` URIs, the least recently fetched leaving first. */
  private remember(uri: string, entry: Entry): void {
    this.entries.delete(uri);
    if (this.entries.size >= this.options.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(uri, entry);
  }
}
