import type { IssuerSettings } from '../config/tenant-settings';

export type { IssuerSettings } from '../config/tenant-settings';

/** Every row that holds tenant data carries this until tenants arrive (WSO2's name for the default one comes with them). */
export const DEFAULT_TENANT = 'carbon.super';

/*
 * IssuerSettings — the settings one issuer resolves: the deployment file's for the default one, a
 * tenant's overrides of them (`resolveTenantSettings`) for a tenant — is defined beside the keys it
 * holds (config/tenant-settings.ts), where the tenant merge is. Read through the request context at
 * use time, never copied into a constructor, so an override reaches every caller without touching it.
 */

/**
 * Who is issuing for the request at hand: the tenant, the issuer identifier and the endpoint
 * URLs derived from it, and the settings it resolves. One per issuer, shared by all of its
 * requests; what a service derives from an issuer's state (its discovery document, its
 * authorization policy) is memoised here (`memoised`), so two issuers never share it.
 *
 * The issuer is `[server] base_url`; with `port = 0` and no `base_url` it is the address the
 * server listens on, known only after `listen` (tests and ephemeral deployments).
 */
export class RequestContext {
  private readonly memo = new Map<symbol, unknown>();

  /**
   * `base` is the issuer itself, or — for a tenant — its parent (the default issuer) and the
   * path under it, so a tenant's issuer follows the default one once the server listens.
   */
  constructor(
    readonly tenant: string,
    private base: string | undefined | { readonly parent: RequestContext; readonly path: string },
    readonly settings: IssuerSettings,
  ) {}

  /** For an issuer that follows the listening address: bound once, when the server listens. */
  bindListeningAddress(url: string): void {
    this.base ??= url.replace(/\/+$/, '');
  }

  /** RFC 8414 §2 `issuer`: https (or http for development) URL without query, fragment or trailing slash. */
  get issuer(): string {
    if (this.base === undefined) throw new Error('the issuer is not known before the server listens ([server] base_url unset and port 0)');
    return typeof this.base === 'string' ? this.base : `${this.base.parent.issuer}${this.base.path}`;
  }

  /** The path every endpoint of this issuer lives under (`/t/{domain}`; empty for the default issuer). */
  get pathPrefix(): string {
    return typeof this.base === 'object' ? this.base.path : '';
  }

  get tokenEndpoint(): string {
    return `${this.issuer}/oauth2/token`;
  }

  get introspectionEndpoint(): string {
    return `${this.issuer}/oauth2/introspect`;
  }

  get revocationEndpoint(): string {
    return `${this.issuer}/oauth2/revoke`;
  }

  /** RFC 9126 §5 `pushed_authorization_request_endpoint`. */
  get parEndpoint(): string {
    return `${this.issuer}/oauth2/par`;
  }

  get jwksUri(): string {
    return `${this.issuer}/oauth2/jwks`;
  }

  /** The one audience of tokens that carry the reserved `admin` scope. */
  get adminAudience(): string {
    return `${this.issuer}/api/admin`;
  }

  /** Cache key of a tenant's record, so tenants never share a cache entry. */
  key(id: string): string {
    return `${this.tenant}\u0000${id}`;
  }

  /**
   * What `build` derives from this issuer, built on first use and kept for the issuer's life.
   * `slot` is the caller's own symbol. Only for what does not change while running (the
   * registries' contents, the settings); state that does (keys) keeps its own per-tenant map.
   */
  memoised<T>(slot: symbol, build: () => T): T {
    if (this.memo.has(slot)) return this.memo.get(slot) as T;
    const value = build();
    this.memo.set(slot, value);
    return value;
  }
}
