import { Injectable } from '@nestjs/common';
import { IssuerContext } from '../../../common/issuer-context';
import { OAuthError } from '../../../common/oauth-error';
import { IdentityProvidersService } from '../../../identity-providers/identity-providers.service';
import { Grant, GrantContext, GrantHandler, GrantResult } from '../../core/extension-points';
import { scopeNotAllowed } from '../../core/scope-policy';
import { ORDERS } from '../../orders';
import { ClientRequest } from '../../core/client-request';
import { SecurityProfiles } from '../../core/security-profiles';
import { allowedAudience } from '../../tokens/audience';
import { RefreshTokenStore } from '../../tokens/refresh-token.store';
import { REFRESH_TOKEN_GRANT } from './refresh-token.definition';

/**
 * RFC 6749 §6: a new access token (and a rotated refresh token) for the same grant, re-decided
 * against what holds *now*: the client may still use the grant type that created the grant,
 * scopes and audience shrink with its registration, and the identity provider that vouched
 * must still be there (the endpoint checks it is enabled). The token is consumed by the
 * endpoint, last, with its successor — unless the profile keeps it (FAPI 2, confidential clients).
 */
@Grant({ order: ORDERS.grants.refreshToken, id: REFRESH_TOKEN_GRANT.id })
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = REFRESH_TOKEN_GRANT.grantType;

  constructor(
    private readonly store: RefreshTokenStore,
    private readonly providers: IdentityProvidersService,
    private readonly context: IssuerContext,
    private readonly profiles: SecurityProfiles,
  ) {}

  validate(request: ClientRequest): void {
    request.requireParam('refresh_token');
  }

  async handle({ client, request }: GrantContext): Promise<GrantResult> {
    // FAPI 2 keeps a confidential client's refresh token: no successor, and the same token stays usable.
    const rotate = this.profiles.forClient(client).rotatesRefreshTokens(client.authMethod);
    const { record, redemption, dpopJkt } = await this.store.present(request.requireParam('refresh_token'), client.clientId, { rotate, certificate: request.clientCertificate });
    if (!client.grantTypes.has(record.grantType)) {
      throw OAuthError.invalidGrant(`this client may no longer use grant_type ${record.grantType}`, { reason: 'grant_type_not_allowed' });
    }
    let identityProvider: string | undefined;
    if (record.identityProvider !== null) {
      const provider = await this.providers.findById(record.identityProvider);
      if (!provider) throw OAuthError.invalidGrant('the identity provider that vouched for the subject is not enabled', { detail: `deleted provider ${record.identityProvider}`, reason: 'identity_provider_disabled' });
      identityProvider = provider.name;
    }

    // §6: the scope may be narrowed, never widened beyond the original grant — nor beyond the client's registration now.
    const granted = record.scope.split(' ').filter(Boolean);
    const requested = request.scopes;
    const widened = requested.filter((scope) => !granted.includes(scope));
    if (widened.length) throw OAuthError.invalidScope(`scope beyond the original grant: ${widened.join(' ')}`, { reason: 'scope_widened' });
    const lost = requested.filter((scope) => !client.scopes.has(scope));
    if (lost.length) throw scopeNotAllowed(client, lost);
    const scopes = requested.length ? requested : granted.filter((scope) => client.scopes.has(scope));
    if (granted.length && !scopes.length) throw OAuthError.invalidScope('none of the granted scopes is still allowed for this client', { reason: 'scope_not_allowed' });

    // The audience shrinks to what the client may still address; nothing left means today's default.
    const allowed = allowedAudience(client, this.context.settings.token.default_audience);
    const audience = record.audience.filter((aud) => allowed.includes(aud));

    const { authentication } = record;
    return {
      principal: { subject: record.subject, identityProvider, sessionId: record.sessionId ?? undefined, ...authentication },
      scopes,
      audience: audience.length ? audience : undefined,
      claims: record.claims,
      refreshToken: rotate,
      continues: { record, redemption, dpopJkt },
    };
  }
}
