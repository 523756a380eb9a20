import { Injectable } from '@nestjs/common';
import { ADMIN_SCOPE, RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError } from '../../common/oauth-error';
import { nowSeconds } from '../../database/columns';
import type { IdentityProviderEntity } from '../../identity-providers/identity-provider.entity';
import { IdentityProvidersService } from '../../identity-providers/identity-providers.service';
import type { GrantResult } from '../core/extension-points';
import { adminScopeMisuse, checkScopes } from '../core/scope-policy';
import { SecurityProfiles } from '../core/security-profiles';
import { UNCONSTRAINED, type SenderConstraint } from '../core/sender-constraint';
import { RegistrationGrantTypes } from '../registration/registration-grant-types';
import { allowedAudience, resolveAudience } from '../tokens/audience';
import type { ClientRequest } from '../core/client-request';

/** What the `subject` columns hold; a longer subject is refused before anything is consumed. */
const MAX_SUBJECT_LENGTH = 255;

/** What the endpoint issues once a grant's decision passed policy. */
export interface Granted {
  scopes: string[];
  audience: string[];
  /** The registered identity provider that vouched, when one did. */
  identityProvider?: IdentityProviderEntity;
}

/**
 * The token endpoint's policy, applied to every grant's decision — built-in or plugin; a grant
 * cannot opt out. A grant type the client's registrant chose (RFC 7591) is used only while
 * registration still offers it or once an administrator approved it; scopes stay within the
 * client's registration; the reserved `admin` scope goes only to a client acting for itself
 * through client_credentials, alone, for the admin API;
 * audiences stay within what the client may address; the identity provider that vouched must
 * be registered and enabled; tokens never outlive what the grant allows.
 */
@Injectable()
export class TokenPolicy {
  constructor(
    private readonly context: IssuerContext,
    private readonly providers: IdentityProvidersService,
    private readonly registrationGrantTypes: RegistrationGrantTypes,
    private readonly profiles: SecurityProfiles,
  ) {}

  /**
   * What the request alone settles, before the grant runs: a request refused here never reaches
   * the grant — no password is checked, no sign-in attempt counted, nothing read or consumed.
   */
  precheck(client: RegisteredClient, grantType: string, request: ClientRequest, senderConstraint: SenderConstraint = UNCONSTRAINED): void {
    // RFC 6749 §5.2 unauthorized_client: no password checked, no assertion or code looked at.
    this.registrationGrantTypes.require(client, grantType);
    // The binding the request's proof of possession earns (a DPoP proof, RFC 9449, or a client certificate, RFC 8705).
    this.requireBinding(client, senderConstraint);
    if (request.scopes.includes(ADMIN_SCOPE) && grantType !== 'client_credentials') throw adminScopeMisuse();
    // RFC 8707: a resource the client may never address is refused whatever the grant decides.
    // Without one there is nothing to refuse yet (apply resolves the audience): no work on the common path.
    if (request.resources.length) resolveAudience(client, request.resources, undefined, this.context.settings.token.default_audience);
  }

  /**
   * A grant's decision held to the policy, whichever endpoint made it: the token endpoint's grants,
   * and the authorization endpoint's implicit and hybrid answers (`resources`: the RFC 8707
   * `resource` parameters of the request, none there).
   */
  async apply(client: RegisteredClient, grantType: string, resources: readonly string[], result: GrantResult): Promise<Granted> {
    // A refresh continues the grant it was made under (a password grant's, say): that grant type must still be usable.
    // Before the write: the refresh token presented is not consumed.
    if (result.continues) this.registrationGrantTypes.require(client, result.continues.record.grantType);
    if (result.principal.subject.length > MAX_SUBJECT_LENGTH) throw OAuthError.invalidGrant(`the subject is longer than ${MAX_SUBJECT_LENGTH} characters`, { reason: 'subject_invalid' });
    // No database stores a NUL in text, and no log line should carry a control character from an assertion.
    if (/[\u0000-\u001f\u007f]/.test(result.principal.subject)) throw OAuthError.invalidGrant('the subject contains control characters', { reason: 'subject_invalid' });
    const scopes = [...new Set(result.scopes)];
    checkScopes(client, scopes, 'client');
    if (result.notAfter !== undefined && result.notAfter <= nowSeconds()) throw OAuthError.invalidGrant('the grant has expired', { reason: 'grant_expired' });

    if (scopes.includes(ADMIN_SCOPE)) return { scopes, audience: this.adminAudience(client, grantType, resources, result, scopes) };

    const granted: Granted = { scopes, audience: this.audience(client, resources, result) };
    const vouching = result.principal.identityProvider;
    if (vouching !== undefined) {
      const provider = await this.providers.findByName(vouching);
      // At issue and at every refresh: a provider disabled or deleted since vouches for nobody.
      if (!provider || !provider.enabled) throw OAuthError.invalidGrant('the identity provider that vouched for the subject is not enabled', { detail: `identity provider ${vouching}`, reason: 'identity_provider_disabled' });
      granted.identityProvider = provider;
    }
    return granted;
  }

  /** A profile that allows no bearer tokens (FAPI 2) refuses an access token bound to nothing, at any endpoint. */
  requireBinding(client: RegisteredClient, constraint: SenderConstraint): void {
    if (constraint.kind === 'none' && this.profiles.forClient(client).senderConstraintRequired) {
      throw OAuthError.invalidRequest('this server issues sender-constrained tokens only: send a DPoP proof or a client certificate', { reason: 'sender_constraint_required' });
    }
  }

  /** Whether the client may use `grantType` now (registered, and approved if its registrant chose it): refresh tokens only for a client that may redeem them. */
  allows(client: RegisteredClient, grantType: string): boolean {
    return client.grantTypes.has(grantType) && this.registrationGrantTypes.approved(client, grantType);
  }

  /** `aud`: RFC 8707 resources, else the grant's choice, else the defaults — always within what the client may address. */
  private audience(client: RegisteredClient, resources: readonly string[], result: GrantResult): string[] {
    // RFC 8707 §2.2: on a refresh, `resource` narrows within the original grant; it never reaches further.
    const original = result.continues?.record.audience;
    const beyond = original ? resources.filter((resource) => !original.includes(resource)) : [];
    if (beyond.length) throw OAuthError.invalidTarget(`resource beyond the original grant: ${beyond.join(' ')}`, { reason: 'target_not_allowed' });
    if (result.audience?.length && !resources.length) {
      const allowed = allowedAudience(client, this.context.settings.token.default_audience);
      const foreign = result.audience.filter((aud) => !allowed.includes(aud));
      if (foreign.length) throw OAuthError.invalidTarget(`audience not allowed for this client: ${foreign.join(' ')}`, { reason: 'target_not_allowed' });
    }
    return resolveAudience(client, resources, result.audience, this.context.settings.token.default_audience);
  }

  /** The reserved scope: for the client itself, through client_credentials, alone, and only for the admin API. */
  private adminAudience(client: RegisteredClient, grantType: string, resources: readonly string[], result: GrantResult, scopes: string[]): string[] {
    if (grantType !== 'client_credentials' || result.principal.subject !== client.clientId || result.principal.identityProvider !== undefined) throw adminScopeMisuse();
    if (scopes.length > 1) throw adminScopeMisuse(true);
    if (resources.length || result.audience?.length) {
      throw OAuthError.invalidTarget(`a token with the ${ADMIN_SCOPE} scope is for the admin API only`, { reason: 'admin_scope_misuse' });
    }
    return [this.context.adminAudience];
  }
}
