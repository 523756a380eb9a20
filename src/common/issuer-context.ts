import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { GrantryConfig } from '../config/config.schema';
import { DEFAULT_TENANT, IssuerSettings, RequestContext } from './request-context';

export { DEFAULT_TENANT } from './request-context';

/**
 * Who is issuing, for whoever asks: the request context of the request being served (set by the
 * request-context hook for every route, and by `run` for the CLI and background work), else the
 * default issuer's. Services inject this one singleton and read `tenant`, `issuer`, `settings` at
 * use time; they never keep what it answers, so each request sees its own issuer.
 *
 * The default issuer's requests carry no store: `current` falls back to it. That keeps Node's
 * async context tracking switched off while only the default issuer serves (with a store in
 * play, Node 20 tracks every promise: ~20 % of the CPU a token costs, measured); a second
 * issuer's requests run inside `run`.
 */
@Injectable()
export class IssuerContext {
  private readonly storage = new AsyncLocalStorage<RequestContext>();
  /** The deployment file's issuer: the default tenant, `[server] base_url`, the file's settings. */
  readonly default: RequestContext;

  constructor(config: GrantryConfig) {
    this.default = new RequestContext(DEFAULT_TENANT, config.server.base_url, issuerSettingsOf(config));
  }

  /** The context of the request (or command) being served. */
  get current(): RequestContext {
    return this.storage.getStore() ?? this.default;
  }

  /**
   * The context a request is served in. Only the default issuer exists so far; tenants resolve
   * theirs here (a `/t/{domain}` path, `?tenantDomain=`), before any route sees the request.
   */
  forRequest(_request: { readonly url: string }): RequestContext {
    return this.default;
  }

  /** Runs `work` (and everything it awaits) as `context`'s. */
  run<T>(context: RequestContext, work: () => T): T {
    if (context === this.default && this.storage.getStore() === undefined) return work();
    return this.storage.run(context, work);
  }

  /** Called once the server listens, for a deployment whose issuer follows the listening address. */
  bindListeningAddress(url: string): void {
    this.default.bindListeningAddress(url);
  }

  get tenant(): string {
    return this.current.tenant;
  }

  get issuer(): string {
    return this.current.issuer;
  }

  get settings(): IssuerSettings {
    return this.current.settings;
  }

  get tokenEndpoint(): string {
    return this.current.tokenEndpoint;
  }

  get introspectionEndpoint(): string {
    return this.current.introspectionEndpoint;
  }

  get revocationEndpoint(): string {
    return this.current.revocationEndpoint;
  }

  get jwksUri(): string {
    return this.current.jwksUri;
  }

  get adminAudience(): string {
    return this.current.adminAudience;
  }

  /** Cache key of a tenant's record, so tenants never share a cache entry. */
  key(id: string): string {
    return this.current.key(id);
  }
}

/** The settings an issuer resolves from the deployment file alone. */
export function issuerSettingsOf(config: GrantryConfig): IssuerSettings {
  return { token: config.oauth.token, pkce: config.oauth.pkce, idToken: config.oauth.oidc.id_token, registration: config.oauth.registration };
}
