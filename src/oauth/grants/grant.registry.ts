import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError } from '../../common/oauth-error';
import { ConfigError } from '../../config/config-loader';
import { GrantryConfig, GrantTypeSettings } from '../../config/config.schema';
import { IssuerSettings, resolveTenantSettings } from '../../config/tenant-settings';
import { Grant, GrantHandler, GrantOptions } from '../core/extension-points';
import { Extensions } from '../extensions';
import { Candidate, candidatesOf, orderCandidates } from '../ordered-providers';
import type { ClientRequest } from '../core/client-request';

interface RegisteredGrant {
  handler: GrantHandler;
  properties: Readonly<Record<string, unknown>>;
}

/** One issuer's enabled grants by `grant_type`, in its order. */
type GrantView = ReadonlyMap<string, RegisteredGrant>;

const VIEW = Symbol('enabled grants');

/**
 * The enabled grant handlers by `grant_type`, in order (discovery lists them so), for the issuer
 * serving the request: each issuer (a tenant) switches and orders them with its own
 * `[oauth.grant_type.<id>] enable/order` (`IssuerSettings.grantTypes`). Every handler that may
 * serve is collected once at start-up; an issuer's view of them is built on its first request and
 * kept in its context. The default issuer's is built at start-up and read without a lookup.
 */
@Injectable()
export class GrantRegistry implements OnApplicationBootstrap {
  private candidates: Candidate<GrantHandler, GrantOptions>[] = [];
  /** Handlers with their `grant_validator` applied, made once so that every issuer's view shares them. */
  private readonly served = new Map<GrantHandler, GrantHandler>();
  private readonly extensionProperties = new Map<GrantHandler, Readonly<Record<string, unknown>>>();
  private defaultView: GrantView = new Map();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: GrantryConfig,
    private readonly extensions: Extensions,
    private readonly issuers: IssuerContext,
  ) {}

  onApplicationBootstrap(): void {
    const { grants: extensions, validators } = this.extensions;
    const replaced = new Set(extensions.map((grant) => grant.replaces));
    for (const grant of extensions) this.extensionProperties.set(grant.handler, grant.properties);
    this.candidates = candidatesOf<GrantHandler, GrantOptions>(
      this.discovery,
      Grant,
      extensions.map((grant) => ({ instance: grant.handler, meta: { id: grant.id, order: grant.order } })),
      (meta) => replaced.has(meta.id),
    );
    for (const { instance, meta } of this.candidates) {
      const validate = validators.get(meta.id);
      this.served.set(instance, validate ? withValidator(instance, validate) : instance);
    }
    this.defaultView = this.build(this.issuers.default.settings, true);
    // The file's tenants are checked now too, so that none of them fails on its first request.
    for (const domain of Object.keys(this.config.tenant)) this.build(resolveTenantSettings(this.config, domain).settings, true);
  }

  /** `unsupported_grant_type` for a grant that is unknown or switched off (for this issuer). */
  get(grantType: string): RegisteredGrant {
    const grant = this.view().get(grantType);
    if (!grant) throw OAuthError.unsupportedGrantType(`grant_type ${grantType} is not supported`);
    return grant;
  }

  has(grantType: string): boolean {
    return this.view().has(grantType);
  }

  get grantTypes(): string[] {
    return [...this.view().keys()];
  }

  /** The current issuer's view: the default one's without a lookup (the token endpoint's hot path), else built once per context. */
  private view(): GrantView {
    const context = this.issuers.current;
    return context === this.issuers.default ? this.defaultView : context.memoised(VIEW, () => this.build(context.settings, false));
  }

  /**
   * The enabled handlers under `settings`. Two handlers of one grant_type stop start-up (`strict`);
   * an issuer built later (a tenant's admin overrides, checked when they were set) keeps the first.
   */
  private build(settings: IssuerSettings, strict: boolean): GrantView {
    const byType = new Map<string, RegisteredGrant>();
    for (const { instance, meta } of orderCandidates(this.candidates, (handler, meta) => tableFor(settings, handler, meta))) {
      const handler = this.served.get(instance)!;
      if (byType.has(handler.grantType)) {
        if (!strict) continue;
        throw new ConfigError(`two grant handlers serve grant_type ${handler.grantType} (a plugin's name must not repeat a built-in or another plugin)`);
      }
      // Properties are the file's: a tenant switches and orders grants, it does not configure them.
      const properties = this.extensionProperties.get(instance) ?? tableFor(settings, handler, meta)?.properties ?? {};
      byType.set(handler.grantType, { handler, properties });
    }
    return byType;
  }
}

/** `[oauth.grant_type.<id>]`, matched by the handler's id or its grant_type. */
function tableFor(settings: IssuerSettings, handler: GrantHandler, meta: GrantOptions): GrantTypeSettings | undefined {
  return settings.grantTypes[meta.id] ?? settings.grantTypes[handler.grantType];
}

/** A built-in handler with an extra parameter check (`grant_validator` in its TOML table) run first. */
function withValidator(handler: GrantHandler, validate: (request: ClientRequest) => void): GrantHandler {
  return {
    grantType: handler.grantType,
    validate: (request) => {
      validate(request);
      handler.validate?.(request);
    },
    handle: (context) => handler.handle(context),
  };
}
