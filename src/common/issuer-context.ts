import { Injectable, Optional } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { GrantryConfig } from '../config/config.schema';
import { resolveTenantSettings, TenantSettingsError } from '../config/tenant-settings';
import { fileSettings } from '../config/tenant-settings';
import { OAuthError } from './oauth-error';
import { DEFAULT_TENANT, IssuerSettings, RequestContext } from './request-context';
import { TenantDirectory, TenantState } from './tenant-directory';

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
  /**
   * Each tenant's context, for the state of its record it was built from: a state read again
   * (a change, a deleted and recreated tenant, the directory's cache renewed) builds a new one.
   */
  private readonly tenants = new Map<string, { state: TenantState; context: RequestContext; ready: Promise<void> }>();
  private readonly preparers: ((context: RequestContext) => Promise<void>)[] = [];

  constructor(
    private readonly config: GrantryConfig,
    @Optional() private readonly directory?: TenantDirectory,
  ) {
    this.default = new RequestContext(DEFAULT_TENANT, config.server.base_url, issuerSettingsOf(config));
  }

  /** The context of the request (or command) being served. */
  get current(): RequestContext {
    return this.storage.getStore() ?? this.default;
  }

  /**
   * The context of the tenant `domain` names, ready to serve (its keys loaded): the default one
   * for the default domain. An unknown tenant is a 404 and a disabled one a 403, both with an
   * RFC 6749 error body — never the default tenant's behaviour.
   */
  async forDomain(domain: string): Promise<RequestContext> {
    if (domain === this.default.tenant) return this.default;
    const state = await this.directory?.find(domain);
    if (!state) throw new OAuthError('invalid_request', `tenant "${domain}" does not exist`, 404);
    if (!state.enabled) throw new OAuthError('invalid_request', `tenant "${domain}" is disabled`, 403);
    const held = this.held(state);
    await held.ready;
    return held.context;
  }

  /**
   * A tenant's context for work outside a request (the CLI, the admin API acting on a tenant):
   * the same object its requests are served in, rebuilt when the record changed.
   */
  async forTenant(state: TenantState): Promise<RequestContext> {
    if (state.domain === this.default.tenant) return this.default;
    const held = this.held(state);
    await held.ready;
    return held.context;
  }

  /**
   * Work to do before a tenant's context first serves (the key ring loads its keys): run once
   * per context built, awaited by the requests that would need it.
   */
  onTenantContext(prepare: (context: RequestContext) => Promise<void>): void {
    this.preparers.push(prepare);
  }

  private held(state: TenantState): { state: TenantState; context: RequestContext; ready: Promise<void> } {
    const held = this.tenants.get(state.domain);
    if (held?.state === state) return held;
    const context = new RequestContext(state.domain, { parent: this.default, path: `/t/${state.domain}` }, this.settingsOf(state));
    const ready = this.run(context, () => Promise.all(this.preparers.map((prepare) => prepare(context)))).then(() => undefined);
    const built = { state, context, ready };
    this.tenants.set(state.domain, built);
    // A failed preparation is tried again by the next request, not remembered.
    ready.catch(() => this.tenants.get(state.domain) === built && this.tenants.delete(state.domain));
    return built;
  }

  /** A tenant's settings: the file's, overridden by its `[tenant."<domain>"]` table and its record's. */
  private settingsOf(state: TenantState): IssuerSettings {
    try {
      return resolveTenantSettings(this.config, state.domain, state.settings).settings;
    } catch (error) {
      // Stored overrides pass TenantOverridesCheck; a row written around it is the operator's to fix:
      // a server error whose log line names the tenant and the problems.
      if (error instanceof TenantSettingsError) throw new Error(`tenant "${state.domain}" has invalid settings: ${error.message}`, { cause: error });
      throw error;
    }
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

  get parEndpoint(): string {
    return this.current.parEndpoint;
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

/**
 * The settings an issuer resolves from the deployment file alone (the default issuer's). A tenant's:
 * `resolveTenantSettings(config, state.domain, state.settings).settings` (config/tenant-settings.ts).
 */
export function issuerSettingsOf(config: GrantryConfig): IssuerSettings {
  return fileSettings(config);
}
