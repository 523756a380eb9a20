import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { OutboundFetcher } from '../outbound/outbound-fetcher';
import { algAliases, algsForJwk } from '../keys/jwk-selection';
import { RemoteJwks } from '../oauth/assertions/remote-jwks';
import type { AccessTokenHeader, AccessTokenKey } from '../oauth/tokens/access-token-verification';
import { BoundedFetch, FetchFailed } from './bounded-fetch';
import type { CheckedOptions } from './resource-server.options';

/** What the guard needs of the authority's discovery document (OIDC Discovery 1.0 §3, RFC 8414 §2). */
export interface AuthorityMetadata {
  issuer: string;
  jwksUri: string;
  introspectionEndpoint?: string;
}

/**
 * Keys by Authority URL: `<authority>/.well-known/openid-configuration` once, then its `jwks_uri`
 * through grantry's RemoteJwks — cached (Cache-Control max-age, at most `jwksCacheMaxAge`), and
 * fetched again when a token names a `kid` the set lacks (grantry rotated), but never twice
 * within `jwksRefetchCooldown`, so tokens with made-up kids cannot make us flood the authority.
 */
export class AuthorityKeys {
  private metadata?: AuthorityMetadata;
  private pending?: Promise<AuthorityMetadata>;
  private failedAt = 0;
  private failure?: Error;
  private readonly jwks: RemoteJwks;
  /** Imported once per fetched JWK object (a new set brings new objects). */
  private readonly imported = new WeakMap<JWK, KeyObject>();

  constructor(
    private readonly options: NonNullable<CheckedOptions['authority']>,
    private readonly fetcher: BoundedFetch,
  ) {
    // RemoteJwks asks only for fetchJson(uri) → { body, maxAge }, which BoundedFetch provides.
    this.jwks = new RemoteJwks(fetcher as unknown as OutboundFetcher, {
      maxTtlSeconds: options.jwksCacheMaxAge,
      capacity: 1,
      refetchCooldownSeconds: options.jwksRefetchCooldown,
    });
  }

  /** The discovery document, fetched on first use; a failure is answered again until the cooldown passed. */
  async discover(): Promise<AuthorityMetadata> {
    if (this.metadata) return this.metadata;
    if (this.failure && Date.now() - this.failedAt < this.options.jwksRefetchCooldown * 1000) throw this.failure;
    this.pending ??= this.fetchMetadata()
      .then((metadata) => (this.metadata = metadata))
      .catch((error: Error) => {
        this.failure = error;
        this.failedAt = Date.now();
        throw error;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** The keys that may verify a token with this header (RemoteJwks refetches for an unknown kid). */
  async resolve(header: AccessTokenHeader): Promise<AccessTokenKey[]> {
    const { jwksUri } = await this.discover();
    const candidates = await this.jwks.candidates(jwksUri, header);
    return candidates.flatMap((jwk) => {
      const key = this.importKey(jwk);
      return key ? [{ key, algs: jwk.alg === undefined ? algsForJwk(jwk) : algAliases(jwk.alg) }] : [];
    });
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

  private async fetchMetadata(): Promise<AuthorityMetadata> {
    const location = `${this.options.url}/.well-known/openid-configuration`;
    const { body } = await this.fetcher.fetchJson(location);
    const document = (body ?? {}) as Record<string, unknown>;
    const { issuer, jwks_uri: jwksUri, introspection_endpoint: introspectionEndpoint } = document;
    // OIDC Discovery §4.3: the issuer must be the URL the document was fetched from, unless the deployment names it.
    const expected = this.options.issuer ?? this.options.url;
    if (issuer !== expected) throw new FetchFailed(`${location}: issuer ${JSON.stringify(issuer)} is not ${expected}`);
    if (typeof jwksUri !== 'string') throw new FetchFailed(`${location}: no jwks_uri`);
    return { issuer, jwksUri, introspectionEndpoint: typeof introspectionEndpoint === 'string' ? introspectionEndpoint : undefined };
  }
}
