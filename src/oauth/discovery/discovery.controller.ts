import { Controller, Get, Header } from '@nestjs/common';
import { ServerSettings, TokenSettings } from '../../config/config.schema';
import { AuthenticatorRegistry } from '../client-auth/authenticator.registry';
import { GrantRegistry } from '../grants/grant.registry';

/**
 * OpenID Connect Discovery 1.0 and RFC 8414 metadata. Grant types and authentication
 * methods come from the registries, so the document lists exactly what is enabled.
 */
@Controller('.well-known')
export class DiscoveryController {
  private document?: Record<string, unknown>;

  constructor(
    private readonly server: ServerSettings,
    private readonly tokens: TokenSettings,
    private readonly grants: GrantRegistry,
    private readonly authenticators: AuthenticatorRegistry,
  ) {}

  @Get('openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration(): Record<string, unknown> {
    return this.metadata();
  }

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  authorizationServer(): Record<string, unknown> {
    return this.metadata();
  }

  /** Built once, after the registries are filled (they do not change while running). */
  private metadata(): Record<string, unknown> {
    const base = this.server.base_url!;
    this.document ??= {
      issuer: base,
      token_endpoint: `${base}/oauth2/token`,
      jwks_uri: `${base}/oauth2/jwks`,
      grant_types_supported: this.grants.grantTypes,
      token_endpoint_auth_methods_supported: this.authenticators.methods,
      ...(this.authenticators.signingAlgs.length
        ? { token_endpoint_auth_signing_alg_values_supported: this.authenticators.signingAlgs }
        : {}),
      // No authorization endpoint is served yet, so no response type is supported.
      response_types_supported: [],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [this.tokens.signing_alg],
    };
    return this.document;
  }
}
