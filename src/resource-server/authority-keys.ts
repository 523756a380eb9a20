import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { logValue } from '../common/log-text';
import type { OutboundFetcher } from '../outbound/outbound-fetcher';
import { algAliases, algsForJwk } from '../keys/jwk-selection';
import { RemoteJwks } from '../oauth/assertions/remote-jwks';
import { AccessTokenRejected, type AccessTokenHeader, type AccessTokenKey } from '../oauth/tokens/access-token-verification';
import { BoundedFetch, FetchFailed } from './bounded-fetch';
import type { CheckedOptions } from './resource-server.options';

/** What the guard needs of the authority's discovery document (OIDC Discovery 1.0 §3, RFC 8414 §2). */
export interface AuthorityMetadata {
  issuer: string;
  jwksUri: string;
  introspectionEndpoint?: string;
}

/** The last discovery document read, and until when it is used without reading it again. */
interface Discovered {
  metadata: AuthorityMetadata;
  freshUntil: number;
}

/**
 * Keys by Authority URL: `<authority>/.well-known/openid-configuration`, then its `jwks_uri`
 * through grantry's RemoteJwks — cached (Cache-Control max-age, at most `jwksCacheMaxAge`), and
 * fetched again when a token names a `kid` the set lacks (grantry rotated), but never twice
 * within `jwksRefetchCooldown`, so tokens with made-up kids cannot make us flood the authority.
 *
 * Neither a failed fetch nor a junk token takes away what was read before: the last good JWKS and
 * discovery document serve on up to `staleIfError` seconds past their lifetime (RFC 5861
 * stale-if-error), and only a token whose `kid` the set lacks is refused. The discovery document
 * is read again after `discoveryCacheMaxAge`, and sooner after a JWKS fetch failed (its
 * `jwks_uri` may have moved) — no more often than the cooldown.
 */
export class AuthorityKeys {
  private discovered?: Discovered;
  /** A JWKS fetch failed since the document was read: read it again (its `jwks_uri` may have moved). */
  private recheck = false;
  private pending?: Promise<void>;
  private attemptedAt = 0;
  private failure?: Error;
  private readonly cooldownMs: number;
  private readonly jwks: RemoteJwks;
  /** Imported once per fetched JWK object (a new set brings new objects). */
  private readonly imported = new WeakMap<JWK, KeyObject>();

  constructor(
    private readonly options: NonNullable<CheckedOptions['authority']>,
    private readonly fetcher: BoundedFetch,
    /** Told once per failed fetch (so at most once per cooldown), for the log. */
    private readonly onFetchError: (message: string) => void = () => undefined,
  ) {
    this.cooldownMs = Math.max(1, options.jwksRefetchCooldown) * 1000;
    // RemoteJwks asks only for fetchJson(uri) → { body, maxAge }, which BoundedFetch provides.
    this.jwks = new RemoteJwks(fetcher as unknown as OutboundFetcher, {
      maxTtlSeconds: options.jwksCacheMaxAge,
      capacity: 1,
      refetchCooldownSeconds: options.jwksRefetchCooldown,
      staleIfErrorSeconds: options.staleIfError,
      onFetchError: (uri, error, stillServing) => {
        // The jwks_uri may have moved: read discovery again at the next request (the cooldown permitting).
        this.recheck = true;
        this.onFetchError(`${error.message}${stillServing ? '; the keys fetched before still serve (staleIfError)' : ''}`);
      },
    });
  }

  /**
   * The discovery document: read on first use, and again once past its lifetime (the cooldown
   * permitting). A failed read keeps the last document, up to `staleIfError` past its lifetime;
   * without one, the failure is the answer until the cooldown passed.
   */
  async discover(): Promise<AuthorityMetadata> {
    const now = Date.now();
    const due = !this.discovered || this.recheck || now >= this.discovered.freshUntil;
    // A read already under way is joined, whoever started it.
    if (due && (this.pending || now - this.attemptedAt >= this.cooldownMs)) await this.readDiscovery();
    const current = this.discovered;
    if (current && Date.now() < current.freshUntil + this.options.staleIfError * 1000) return current.metadata;
    throw this.failure ?? new FetchFailed(`${this.options.url}: the discovery document is past its lifetime and could not be read again`);
  }

  /** The keys that may verify a token with this header (RemoteJwks refetches for an unknown kid). */
  async resolve(header: AccessTokenHeader): Promise<AccessTokenKey[]> {
    const { jwksUri } = await this.discover();
    const candidates = await this.jwks.candidates(jwksUri, header);
    // A kid in no set we hold, and looking again failed: this token alone is refused, saying why.
    const failure = candidates.length ? undefined : this.jwks.lastError(jwksUri);
    if (failure && header.kid !== undefined) {
      throw new AccessTokenRejected(`no key with kid ${logValue(header.kid)} in the JWKS held, which could not be fetched again: ${failure.message}`);
    }
    return candidates.flatMap((jwk) => {
      const key = this.importKey(jwk);
      return key ? [{ key, algs: jwk.alg === undefined ? algsForJwk(jwk) : algAliases(jwk.alg) }] : [];
    });
  }

  /** One read at a time; its outcome is recorded, never thrown (the last good document stays). */
  private readDiscovery(): Promise<void> {
    this.pending ??= (async () => {
      this.attemptedAt = Date.now();
      this.recheck = false;
      try {
        const { metadata, maxAge } = await this.fetchMetadata();
        const ttlSeconds = Math.min(this.options.discoveryCacheMaxAge, maxAge ?? Infinity);
        this.discovered = { metadata, freshUntil: this.attemptedAt + Math.max(ttlSeconds * 1000, this.cooldownMs) };
        this.failure = undefined;
      } catch (error) {
        this.failure = error as Error;
        this.onFetchError(`${(error as Error).message}${this.discovered ? '; the discovery document read before still serves (staleIfError)' : ''}`);
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  private importKey(jwk: JWK): KeyObject | undefined {
    let key = this.imported.get(jwk);
    if (!key) {
      try {
        key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      } catch {
        return undefined; // a malformed key in the set verifies nothing
      }
      this.imported.set(jwk, key);
    }
    return key;
  }

  private async fetchMetadata(): Promise<{ metadata: AuthorityMetadata; maxAge?: number }> {
    const location = `${this.options.url}/.well-known/openid-configuration`;
    const { body, maxAge } = await this.fetcher.fetchJson(location);
    const document = (body ?? {}) as Record<string, unknown>;
    const { issuer, jwks_uri: jwksUri, introspection_endpoint: introspectionEndpoint } = document;
    // OIDC Discovery §4.3: the issuer must be the URL the document was fetched from, unless the deployment names it.
    const expected = this.options.issuer ?? this.options.url;
    if (issuer !== expected) throw new FetchFailed(`${location}: issuer ${JSON.stringify(issuer)} is not ${expected}`);
    if (typeof jwksUri !== 'string') throw new FetchFailed(`${location}: no jwks_uri`);
    return { metadata: { issuer, jwksUri, introspectionEndpoint: typeof introspectionEndpoint === 'string' ? introspectionEndpoint : undefined }, maxAge };
  }
}
