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
  /**
   * URIs whose last good set is kept, the least recently used leaving first; as many again that
   * never answered with a set are kept apart (their failure and cooldown only), so URIs that fail
   * — a registrant's made-up `jwks_uri`s — never push out a set that serves.
   */
  capacity: number;
  /**
   * Seconds that must pass between two fetches of one URI, whatever prompts them (an expired
   * set, an unknown kid, an earlier failure), so junk requests cannot make grantry flood the
   * remote server: `[oauth.outbound] jwks_refetch_cooldown`; 1 is the floor.
   */
  refetchCooldownSeconds?: number;
  /**
   * Seconds past its lifetime the last good set still serves while fetching it again fails
   * (RFC 5861 §4 stale-if-error): a JWKS endpoint that is down or answers 500 — perhaps at the
   * moment a junk token with a made-up `kid` prompted a refetch — does not take away keys that
   * verified a moment ago. Past it, the failure is the answer. 0: never past its lifetime.
   */
  staleIfErrorSeconds: number;
  /** Told of every failed fetch (at most one per URI per cooldown) and whether a last good set still serves. */
  onFetchError?(uri: string, error: Error, stillServing: boolean): void;
  /**
   * Whose cache an entry is, read at each use: the tenant serving the request. Two tenants'
   * providers or clients naming one URI then keep their own set, failure and cooldown (issue 26:
   * caches keyed by tenant, so one tenant's failures never decide another's answers, and a set
   * one tenant fetched with its allow-insecure option never serves another). Default: one cache.
   */
  scope?: () => string;
}

type FetchOptions = { allowHttp?: boolean; allowPrivateNetworks?: boolean };

/** A set as fetched successfully. */
interface GoodSet {
  keys: JWK[];
  /** When it should be fetched again (never sooner than the cooldown allows a fetch). */
  freshUntil: number;
}

interface Entry {
  /** The last set fetched successfully: a failed fetch leaves it as it was. */
  set?: GoodSet;
  /** When a fetch was last started, whatever came of it: the cooldown counts from here. */
  attemptedAt: number;
  /** Why the last fetch failed, kept apart from the set; cleared by the next success. */
  error?: Error;
}

/**
 * JWK Sets fetched from `jwks_uri`s through the outbound fetcher. A URI is fetched at most once
 * per cooldown: a set past its lifetime, a kid the set lacks (the remote side rotated) or an
 * earlier failure all wait for it. A failed fetch never replaces the last good set: that set
 * serves on, up to `staleIfErrorSeconds` past its lifetime, and only a token whose `kid` it lacks
 * is refused. A URI that never answered answers with its failure until the cooldown passed.
 *
 * The cache is bounded, and a registrant can name any number of URIs (RFC 7592 lets a client
 * change its `jwks_uri`, then one assertion per URI makes it fetched). So URIs with a set and URIs
 * without one are kept apart, each at most `capacity`, and each leaves by last use — not last
 * fetch: failing URIs only push out other failing URIs, and a set that verifies tokens (its
 * endpoint perhaps down: stale-if-error) stays while it is used.
 */
export class RemoteJwks {
  /** URIs with a last good set; Map order is use order, the least recently used first. */
  private readonly withSet = new Map<string, Entry>();
  /** URIs that never answered with a set (or whose set was pushed out): their error and cooldown; same order. */
  private readonly withoutSet = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private readonly cooldownMs: number;

  constructor(private readonly fetcher: OutboundFetcher, private readonly options: RemoteJwksOptions) {
    this.cooldownMs = Math.max(1, options.refetchCooldownSeconds ?? 1) * 1000;
  }

  /**
   * The keys of `uri` that may verify a JWS with this header. A kid not in the set means the
   * remote side rotated: fetch again (within the cooldown rule) before giving up. When that fetch
   * fails the answer is simply no key (`lastError` says why): the set itself stays.
   */
  async candidates(uri: string, header: { alg?: string; kid?: string }, fetchOptions?: FetchOptions): Promise<JWK[]> {
    const keys = candidateKeys(await this.keys(uri, fetchOptions), header);
    if (keys.length || header.kid === undefined) return keys;
    return candidateKeys(await this.keys(uri, fetchOptions, true), header);
  }

  /**
   * The set, fetched when there is none, or when it is past its lifetime (or `refetch` asks, for
   * a key it lacks) and the cooldown allows. Throws only when no set may serve: none was ever
   * fetched, or the last good one is more than `staleIfErrorSeconds` past its lifetime.
   */
  async keys(uri: string, fetchOptions?: FetchOptions, refetch = false): Promise<JWK[]> {
    const key = this.keyOf(uri);
    let entry = this.used(key);
    const due = !entry?.set || refetch || Date.now() >= entry.set.freshUntil;
    if (due && (!entry || Date.now() - entry.attemptedAt >= this.cooldownMs)) entry = await this.fetch(uri, key, fetchOptions);
    if (entry!.set && this.mayServe(entry!.set)) return entry!.set.keys;
    throw entry!.error ?? new Error(`${uri}: the JWK Set is past its lifetime and could not be fetched again`);
  }

  /** Why the last fetch of `uri` failed, while no fetch has succeeded since; undefined otherwise. */
  lastError(uri: string): Error | undefined {
    const key = this.keyOf(uri);
    return (this.withSet.get(key) ?? this.withoutSet.get(key))?.error;
  }

  /** The cache key of `uri` in the current scope (a URI has no line break: the two cannot run together). */
  private keyOf(uri: string): string {
    return this.options.scope ? `${this.options.scope()}\n${uri}` : uri;
  }

  /** The entry of `key`, now the most recently used of its kind. */
  private used(key: string): Entry | undefined {
    const entry = this.withSet.get(key) ?? this.withoutSet.get(key);
    if (entry) this.remember(key, entry);
    return entry;
  }

  private mayServe(set: GoodSet): boolean {
    return Date.now() < set.freshUntil + this.options.staleIfErrorSeconds * 1000;
  }

  private fetch(uri: string, key: string, fetchOptions?: FetchOptions): Promise<Entry> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      const attemptedAt = Date.now();
      pending = this.fetcher
        .fetchJson(uri, fetchOptions)
        .then(({ body, maxAge }): Entry => ({ set: this.goodSet(uri, body, maxAge, attemptedAt), attemptedAt }))
        .catch((error: Error): Entry => {
          // The last good set stays: one failure (or one junk kid at the wrong moment) must not empty it.
          const set = this.withSet.get(key)?.set;
          this.options.onFetchError?.(uri, error, !!set && this.mayServe(set));
          return { set, attemptedAt, error };
        })
        .then((entry) => {
          this.remember(key, entry);
          return entry;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private goodSet(uri: string, body: unknown, maxAge: number | undefined, fetchedAt: number): GoodSet {
    const keys = (body as { keys?: unknown })?.keys;
    if (!Array.isArray(keys)) throw new Error(`${uri}: not a JWK Set`);
    const jwks = keys.filter((key): key is JWK => !!key && typeof key === 'object' && typeof key.kty === 'string');
    const { minTtlSeconds = 0, defaultTtlSeconds = this.options.maxTtlSeconds, maxTtlSeconds } = this.options;
    const ttlSeconds = Math.min(maxTtlSeconds, Math.max(minTtlSeconds, maxAge ?? defaultTtlSeconds));
    // Used at least until a fetch is allowed again: a `max-age=0` set serves through the cooldown.
    return { keys: jwks, freshUntil: fetchedAt + Math.max(ttlSeconds * 1000, this.cooldownMs) };
  }

  /**
   * Stores `entry` as the most recently used of its kind (with a set, or without), pushing out the
   * least recently used of that kind alone when it holds `capacity` URIs.
   */
  private remember(key: string, entry: Entry): void {
    this.withSet.delete(key);
    this.withoutSet.delete(key);
    const kind = entry.set ? this.withSet : this.withoutSet;
    if (kind.size >= this.options.capacity) kind.delete(kind.keys().next().value as string);
    kind.set(key, entry);
  }
}
