import { Injectable } from '@nestjs/common';
import { logText } from '../../../common/log-text';
import { OAuthError, ReasonCode } from '../../../common/oauth-error';
import { JwtBearerGrantSettings } from '../../../config/grant-type-tables';
import { JWT_BEARER_GRANT } from './jwt-bearer.definition';
import type { IdentityProviderEntity } from '../../../identity-providers/identity-provider.entity';
import { IdentityProvidersService } from '../../../identity-providers/identity-providers.service';
import { UsersService } from '../../../users/users.service';
import { AssertionErrors, AssertionVerifier } from '../../assertions/assertion-verifier';
import { IdentityProviderKeySource } from '../../assertions/identity-provider-key-source';
import { NestedJwt } from '../../jwe/nested-jwt';
import { Grant, GrantContext, GrantHandler, GrantResult } from '../../core/extension-points';
import { ORDERS } from '../../orders';
import { ClientRequest } from '../../core/client-request';
import { grantableScopes } from '../../core/scope-policy';
import { mapClaims } from './claim-mapping';

/** Until the signature verified, every refusal reads the same (no oracle for forged assertions). */
const ERRORS: AssertionErrors = {
  unverified: (detail, reason) => OAuthError.invalidGrant('the assertion is not valid', { detail, reason }),
  verified: (description, reason) => OAuthError.invalidGrant(description, { reason }),
};

/**
 * RFC 7523 §2.1: a client exchanges a JWT issued by a trusted identity provider for an access
 * token whose subject is the assertion's `sub`, vouched for by that provider. The client
 * authenticates as usual (the seed's flow uses Basic). Verifying is the shared pipeline's job;
 * this grant only decides.
 */
@Grant({ order: ORDERS.grants.jwtBearer, id: JWT_BEARER_GRANT.id })
@Injectable()
export class JwtBearerGrant implements GrantHandler {
  readonly grantType = JWT_BEARER_GRANT.grantType;

  constructor(
    private readonly settings: JwtBearerGrantSettings,
    private readonly providers: IdentityProvidersService,
    private readonly keySource: IdentityProviderKeySource,
    private readonly verifier: AssertionVerifier,
    private readonly users: UsersService,
    private readonly nested: NestedJwt,
  ) {}

  /** RFC 7523 §2.1: the assertion parameter MUST contain a single JWT. */
  validate(request: ClientRequest): void {
    request.requireParam('assertion');
  }

  async handle({ client, request }: GrantContext): Promise<GrantResult> {
    // RFC 7523 §2.1 allows an encrypted assertion: a JWE addressed to one of grantry's encryption keys, holding the signed JWT.
    const assertion = await this.nested.unwrap(request.requireParam('assertion'), ERRORS.verified);
    const { payload, signer, consume } = await this.verifier.verify(assertion, (claims) => this.signer(claims.iss), ERRORS);
    if (typeof payload.sub !== 'string' || !payload.sub) throw ERRORS.verified('assertion sub must be a non-empty string', 'assertion_claims_invalid');
    const { prevent_token_reuse, enable_iat_validation } = this.settings;
    // Without a jti, single use cannot be checked: the iat window is then what bounds a replay.
    if (prevent_token_reuse && payload.jti === undefined && (!enable_iat_validation || payload.iat === undefined)) {
      throw ERRORS.verified('an assertion without jti must carry an iat within the iat validity period', 'assertion_claims_invalid');
    }
    const { subject, subjectIsUser, claims, conditions } = await this.subjectOf(signer.provider, payload.sub, mapClaims(payload, signer.provider.claimMappings));
    return {
      conditions,
      principal: { subject, identityProvider: signer.provider.name },
      subjectIsUser,
      scopes: grantableScopes(client, request.scopes),
      claims,
      refreshToken: this.settings.issue_refresh_token,
      consume: consume ? [consume] : undefined,
    };
  }

  /**
   * The token's subject: the assertion's `sub`, or — when the provider has `map_subject_to_user` —
   * the id of the local user linked to that provider's `sub` (whose claims then reach the token).
   * A link names its provider, so two providers never map onto each other's users. Which of the two
   * it is goes on the grant record now: turning the flag later changes no grant already made.
   */
  private async subjectOf(provider: IdentityProviderEntity, sub: string, mapped: Record<string, unknown>): Promise<Pick<GrantResult, 'claims' | 'conditions' | 'subjectIsUser'> & { subject: string }> {
    if (!provider.mapSubjectToUser) return { subject: sub, subjectIsUser: false, claims: mapped };
    const user = await this.users.findByIdentity(provider.id, sub);
    const refused = (detail: string, reason: ReasonCode = 'subject_unknown') => OAuthError.invalidGrant('the assertion subject is not an enabled user of this server', { detail: `identity provider ${provider.name}: ${detail}`, reason });
    if (!user || !user.enabled) throw refused(user ? `user ${user.id} is disabled` : 'no user is linked to the subject');
    return {
      subject: user.id,
      subjectIsUser: true,
      claims: { ...mapped, ...user.claims, preferred_username: user.username },
      conditions: [this.users.unchangedStep(user, () => refused(`user ${user.id} changed during the grant`, 'user_changed'))],
    };
  }

  /** RFC 7523 §3 item 1: iss names a trusted, enabled identity provider. */
  private async signer(iss: unknown) {
    if (typeof iss !== 'string' || !iss) throw ERRORS.unverified('assertion has no iss claim', 'assertion_claims_invalid');
    const provider = await this.providers.findByIssuer(iss);
    if (!provider) throw ERRORS.unverified(`assertion issuer ${logText(iss, 128)} is not a trusted identity provider`, 'assertion_issuer_unknown');
    if (!provider.enabled) throw ERRORS.unverified(`identity provider ${provider.name} is disabled`, 'identity_provider_disabled');
    const { enable_iat_validation, iat_validity_period, max_assertion_lifetime, timestamp_skew, prevent_token_reuse } = this.settings;
    return {
      provider,
      algs: provider.signingAlgs,
      keys: (alg: string, header: Parameters<IdentityProviderKeySource['keys']>[2]) => this.keySource.keys(provider, alg, header),
      rules: {
        audiences: [this.providers.audienceOf(provider)], // RFC 7523 §3 item 3
        skewSeconds: timestamp_skew,
        maxLifetimeSeconds: max_assertion_lifetime,
        maxLifetimeLabel: `max_assertion_lifetime = ${max_assertion_lifetime} s`,
        maxIatAgeSeconds: enable_iat_validation ? iat_validity_period * 60 : undefined,
        maxIatAgeLabel: `iat_validity_period = ${iat_validity_period} minutes`,
        requireJti: false, // RFC 7523 and the seed: jti is optional
        requiredClaims: ['iss', 'sub', 'aud', 'exp'], // RFC 7523 §3 items 1-4
      },
      replayIssuer: prevent_token_reuse ? provider.issuer : undefined,
    };
  }
}
