import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { OAuthError } from '../../common/oauth-error';
import { GrantryConfig, GrantTypeSettings } from '../../config/config.schema';
import { Grant, GrantHandler, GrantOptions } from '../extension-points';
import { collectOrdered } from '../ordered-providers';
import { withValidator } from '../../plugins/plugin-adapters';
import { PluginLoadError } from '../../plugins/plugin-errors';
import { PluginHost } from '../../plugins/plugin-host';

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
    private readonly pluginHost: PluginHost,
  ) {}

  onApplicationBootstrap(): void {
    const { grants: plugins, validators } = this.pluginHost.loaded;
    const replaced = new Set(plugins.map((plugin) => plugin.replaces));
    const pluginProperties = new Map(plugins.map((plugin) => [plugin.handler, plugin.properties]));
    const entries = collectOrdered<GrantHandler, GrantOptions>(
      this.discovery,
      Grant,
      (handler, meta) => this.settingsFor(handler, meta),
      plugins.map((plugin) => ({ instance: plugin.handler, meta: { id: plugin.id, order: plugin.order } })),
      (meta) => replaced.has(meta.id),
    );
    for (const { instance, meta } of entries) {
      const validator = validators.get(meta.id);
      const handler = validator ? withValidator(instance, validator) : instance;
      if (this.byType.has(handler.grantType)) {
        throw new PluginLoadError(`two grant handlers serve grant_type ${handler.grantType} (a plugin's name must not repeat a built-in or another plugin)`);
      }
      const properties = pluginProperties.get(instance) ?? this.settingsFor(handler, meta)?.properties ?? {};
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
    const tables = this.config.oauth.grant_type as Record<string, GrantTypeSettings | undefined>;
    return tables[meta.id] ?? tables[handler.grantType];
  }
}
