import { Injectable, Logger } from '@nestjs/common';
import { X509Certificate } from 'node:crypto';
import type { JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
import { cacheSettings } from '../../../common/cache-settings';
import { OAuthError } from '../../../common/oauth-error';
import { GrantryConfig, JwtBearerGrantSettings } from '../../../config/config.schema';
import { IdentityProviderEntity } from '../../../identity-providers/identity-provider.entity';
import { IdentityProvidersService } from '../../../identity-providers/identity-providers.service';
import { TruststoreService } from '../../../keys/truststore.service';
import { OutboundFetcher } from '../../../outbound/outbound-fetcher';
import { checkClaims, checkHeader, decodeAssertion } from '../../assertions/assertion-checks';
import { RemoteJwks } from '../../assertions/remote-jwks';
import { ReplayStore } from '../../assertions/replay-store';
import { KeyImporter, verifiesWithAny, VerifyKey } from '../../assertions/signature';
import { Grant, GrantContext, GrantHandler, GrantResult } from '../../extension-points';
import { ORDERS } from '../../orders';
import { TokenRequest } from '../../token/token-request';
import { grantableScopes } from '../scopes';
import { mapClaims } from './claim-mapping';

const fail = (description: string) => OAuthError.invalidGrant(description);

/**
 * RFC 7523 §2.1: a client exchanges a JWT issued by a trusted identity provider for an
 * access token whose subject is the assertion's `sub`. The client itself authenticates as
 * usual (the seed's flow uses Basic).
 */
@Grant({ order: ORDERS.grants.jwtBearer, id: 'jwt_bearer' })
@Injectable()
export class JwtBearerGrant implements GrantHandler {
  readonly grantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
  private readonly logger = new Logger(JwtBearerGrant.name);
  private readonly settings: JwtBearerGrantSettings;
  private readonly remoteJwks: RemoteJwks;
  private readonly keys = new KeyImporter();

  constructor(
    config: GrantryConfig,
    fetcher: OutboundFetcher,
    private readonly providers: IdentityProvidersService,
    private readonly truststore: TruststoreService,
    private readonly replay: ReplayStore,
  ) {
    this.settings = config.oauth.grant_type.jwt_bearer ?? new JwtBearerGrantSettings();
    // Identity providers rotate keys on their own schedule: honour their Cache-Control within a floor and ceiling.
    const { timeout, capacity } = cacheSettings(config, 'IdentityProviderJwks', { timeout: 3600 });
    this.remoteJwks = new RemoteJwks(fetcher, { maxTtlSeconds: timeout, minTtlSeconds: Math.min(60, timeout), capacity });
  }

  /** RFC 7523 §2.1: the assertion parameter MUST contain a single JWT. */
  validate(request: TokenRequest): void {
    request.requireParam('assertion');
  }

  async handle({ client, request }: GrantContext): Promise<GrantResult> {
    const assertion = request.requireParam('assertion');
    if (assertion.split('.').length === 5) {
      throw fail('encrypted assertions (JWE) are not accepted: this server has no encryption key configured');
    }
    const { header, payload } = decodeAssertion(assertion, fail);
    // RFC 7523 §3 items 1-4: iss, sub, aud and exp are mandatory.
    for (const claim of ['iss', 'sub', 'aud', 'exp'] as const) {
      if (payload[claim] === undefined) throw fail(`assertion has no ${claim} claim`);
    }
    if (typeof payload.iss !== 'string' || typeof payload.sub !== 'string' || !payload.sub) {
      throw fail('assertion iss and sub must be non-empty strings');
    }

    const provider = await this.providers.findByIssuer(payload.iss);
    if (!provider) throw fail(`assertion issuer ${payload.iss} is not a trusted identity provider`);
    if (!provider.enabled) throw fail(`identity provider ${provider.name} is disabled`);

    const alg = checkHeader(header, provider.signingAlgs, fail);
    if (!(await verifiesWithAny(assertion, alg, this.verificationKeys(provider, alg, header)))) {
      throw fail(`assertion signature does not verify with the keys of identity provider ${provider.name}`);
    }
    this.checkClaims(payload, provider);
    await this.consumeJti(payload, provider);

    return {
      subject: payload.sub,
      scopes: grantableScopes(client, request.scopes),
      claims: mapClaims(payload, provider.claimMappings),
      refreshToken: this.settings.issue_refresh_token,
    };
  }

  private checkClaims(payload: JWTPayload, provider: IdentityProviderEntity): void {
    const { enable_iat_validation, iat_validity_period, max_assertion_lifetime, timestamp_skew, prevent_token_reuse } = this.settings;
    checkClaims(
      payload,
      {
        audiences: [this.providers.audienceOf(provider)],
        skewSeconds: timestamp_skew,
        maxLifetimeSeconds: max_assertion_lifetime,
        maxIatAgeSeconds: enable_iat_validation ? iat_validity_period * 60 : undefined,
        requireJti: false, // RFC 7523 and the seed: jti is optional
      },
      fail,
    );
    // Without a jti, single use cannot be checked: the iat window is then what bounds a replay.
    if (prevent_token_reuse && payload.jti === undefined && (!enable_iat_validation || payload.iat === undefined)) {
      throw fail('an assertion without jti must carry an iat within the iat validity period');
    }
  }

  /** Last, after every other check passed: one INSERT decides, across instances. */
  private async consumeJti(payload: JWTPayload, provider: IdentityProviderEntity): Promise<void> {
    if (!this.settings.prevent_token_reuse || payload.jti === undefined) return;
    const expiresAt = (payload.exp as number) + this.settings.timestamp_skew;
    if (!(await this.replay.consume(provider.issuer, payload.jti, expiresAt))) throw fail('assertion jti has been used already');
  }

  private async *verificationKeys(provider: IdentityProviderEntity, alg: string, header: ProtectedHeaderParameters): AsyncGenerator<VerifyKey> {
    if (provider.jwksUri) {
      yield* this.keys.fromJwks(await this.fetchKeys(provider, header), alg);
    } else if (provider.certificate) {
      yield* this.keys.fromCertificate(new X509Certificate(provider.certificate), alg);
    } else if (provider.certificateAlias) {
      const certificate = await this.truststore.find(provider.certificateAlias);
      if (certificate) yield* this.keys.fromCertificate(certificate, alg);
    }
  }

  private async fetchKeys(provider: IdentityProviderEntity, header: ProtectedHeaderParameters): Promise<JWK[]> {
    const insecure = provider.allowInsecureJwksUri ? { allowHttp: true, allowPrivateNetworks: true } : undefined;
    try {
      return await this.remoteJwks.candidates(provider.jwksUri!, header, insecure);
    } catch (error) {
      this.logger.warn(`jwks_uri of identity provider ${provider.name}: ${(error as Error).message}`);
      throw fail(`the keys of identity provider ${provider.name} could not be fetched`);
    }
  }
}
