import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { OAuthError } from '../../common/oauth-error';
import { GrantryConfig, GrantTypeSettings } from '../../config/config.schema';
import { Grant, GrantHandler, GrantOptions } from '../extension-points';
import { collectOrdered } from '../ordered-providers';

interface RegisteredGrant {
  handler: GrantHandler;
  properties: Readonly<Record<string, unknown>>;
}

/** The enabled grant handlers by `grant_type`, in order (discovery lists them so). */
@Injectable()
export class GrantRegistry implements OnApplicationBootstrap {
  private readonly byType = new Map<string, RegisteredGrant>();

  constructor(private readonly discovery: DiscoveryService, private readonly config: GrantryConfig) {}

  onApplicationBootstrap(): void {
    const entries = collectOrdered<GrantHandler, GrantOptions>(this.discovery, Grant, (handler, meta) =>
      this.settingsFor(handler, meta),
    );
    for (const { instance: handler, meta } of entries) {
      if (this.byType.has(handler.grantType)) throw new Error(`two grant handlers serve grant_type ${handler.grantType}`);
      this.byType.set(handler.grantType, { handler, properties: this.settingsFor(handler, meta)?.properties ?? {} });
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
