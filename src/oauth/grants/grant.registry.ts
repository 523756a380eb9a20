import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { OAuthError } from '../../common/oauth-error';
import { ConfigError } from '../../config/config-loader';
import { GrantryConfig, GrantTypeSettings } from '../../config/config.schema';
import { Grant, GrantHandler, GrantOptions } from '../core/extension-points';
import { Extensions } from '../extensions';
import { collectOrdered } from '../ordered-providers';
import type { ClientRequest } from '../core/client-request';

interface RegisteredGrant {
  handler: GrantHandler;
  properties: Readonly<Record<string, unknown>>;
}

/** The enabled grant handlers by `grant_type`, in order (discovery lists them so). */
@Injectable()
export class GrantRegistry implements OnApplicationBootstrap {
  private readonly byType = new Map<string, RegisteredGrant>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: GrantryConfig,
    private readonly extensions: Extensions,
  ) {}

  onApplicationBootstrap(): void {
    const { grants: extensions, validators } = this.extensions;
    const replaced = new Set(extensions.map((grant) => grant.replaces));
    const extensionProperties = new Map(extensions.map((grant) => [grant.handler, grant.properties]));
    const entries = collectOrdered<GrantHandler, GrantOptions>(
      this.discovery,
      Grant,
      (handler, meta) => this.settingsFor(handler, meta),
      extensions.map((grant) => ({ instance: grant.handler, meta: { id: grant.id, order: grant.order } })),
      (meta) => replaced.has(meta.id),
    );
    for (const { instance, meta } of entries) {
      const validate = validators.get(meta.id);
      const handler = validate ? withValidator(instance, validate) : instance;
      if (this.byType.has(handler.grantType)) {
        throw new ConfigError(`two grant handlers serve grant_type ${handler.grantType} (a plugin's name must not repeat a built-in or another plugin)`);
      }
      const properties = extensionProperties.get(instance) ?? this.settingsFor(handler, meta)?.properties ?? {};
      this.byType.set(handler.grantType, { handler, properties });
    }
  }

  /** `unsupported_grant_type` for a grant that is unknown or switched off. */
  get(grantType: string): RegisteredGrant {
    const grant = this.byType.get(grantType);
    if (!grant) throw OAuthError.unsupportedGrantType(`grant_type ${grantType} is not supported`);
    return grant;
  }

  has(grantType: string): boolean {
    return this.byType.has(grantType);
  }

  get grantTypes(): string[] {
    return [...this.byType.keys()];
  }

  /** `[oauth.grant_type.<id>]`, matched by the handler's id or its grant_type. */
  private settingsFor(handler: GrantHandler, meta: GrantOptions): GrantTypeSettings | undefined {
    const tables = this.config.oauth.grant_type;
    return tables[meta.id] ?? tables[handler.grantType];
  }
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
