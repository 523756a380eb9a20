import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../../../clients/registered-client';
import { IssuerContext } from '../../../common/issuer-context';
import { GrantryConfig } from '../../../config/config.schema';
import type { IssuerSettings } from '../../../config/tenant-settings';
import type { SecurityProfile } from '../../core/security-profile';
import { SecurityProfiles } from '../../core/security-profiles';
import { GrantRegistry } from '../../grants/grant.registry';
import { RegistrationGrantTypes } from '../../registration/registration-grant-types';
import type { AuthorizationPolicy } from './authorization-request';

/**
 * What the authorization endpoint holds a client's requests to: its security profile over what
 * the deployment enables (discovery publishes the unauthenticated one, `policyFor(undefined)`).
 */
@Injectable()
export class AuthorizationPolicies {
  /** One per profile (each issuer's profile is built once, so this is per issuer too). */
  private readonly policies = new WeakMap<SecurityProfile, AuthorizationPolicy>();

  constructor(
    private readonly profiles: SecurityProfiles,
    private readonly grants: GrantRegistry,
    private readonly issuers: IssuerContext,
    private readonly registrationGrantTypes: RegistrationGrantTypes,
    private readonly config: GrantryConfig,
  ) {}

  /**
   * What a request of `client` is held to: its security profile over what the deployment enables.
   * Built on first use, once the registries are filled (after start-up), then fixed: per issuer,
   * as each issuer's profile is its own (and so is what it enables: a tenant's grants).
   */
  policyFor(client: RegisteredClient | undefined): AuthorizationPolicy {
    const profile = this.profiles.forClient(client);
    let policy = this.policies.get(profile);
    if (!policy) {
      const enabledTypes = enabledResponseTypes(this.grants, this.issuers.settings);
      policy = {
        responseTypes: new Set([...enabledTypes].filter((type) => profile.allowsResponseType(type))),
        pkce: profile.pkce,
        // RFC 9126 §5: the profile's rule, or the deployment's ([oauth.par] required).
        parRequired: profile.parRequired || this.config.oauth.par.required,
        requestObjects: { unsigned: profile.unsignedRequestObjects, params: profile.requestObjectParams, required: profile.signedRequestObjectRequired },
        jwtResponses: profile.jwtAuthorizationResponses,
        grantTypeApproved: (client, grantType) => this.registrationGrantTypes.approved(client, grantType),
      };
      this.policies.set(profile, policy);
    }
    return policy;
  }
}

/** The response types of what is enabled: `code` with the authorization_code grant, `token`/`id_token` with implicit. */
function enabledResponseTypes(grants: GrantRegistry, settings: IssuerSettings): ReadonlySet<string> {
  const code = grants.has('authorization_code');
  const implicit = settings.grantTypes.implicit?.enable === true;
  const types = new Set<string>();
  if (code) types.add('code');
  if (implicit) for (const type of ['token', 'id_token', 'id_token token']) types.add(type);
  if (code && implicit) for (const type of ['code id_token', 'code token', 'code id_token token']) types.add(type);
  return types;
}
