import { Injectable } from '@nestjs/common';
import { OAuthError } from '../../../common/oauth-error';
import { Grant, GrantContext, GrantHandler, GrantResult } from '../../extension-points';
import { ORDERS } from '../../orders';
import { RefreshTokenStore } from '../../tokens/refresh-token.store';
import { TokenRequest } from '../../token/token-request';

/** RFC 6749 §6: a new access token (and a rotated refresh token) for the same grant. */
@Grant({ order: ORDERS.grants.refreshToken, id: 'refresh_token' })
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';

  constructor(private readonly store: RefreshTokenStore) {}

  validate(request: TokenRequest): void {
    request.requireParam('refresh_token');
  }

  async handle({ client, request }: GrantContext): Promise<GrantResult> {
    const grant = await this.store.redeem(request.requireParam('refresh_token'), client.clientId);
    // §6: the scope may be narrowed, never widened beyond the original grant.
    const requested = request.scopes;
    const widened = requested.filter((scope) => !grant.scopes.includes(scope));
    if (widened.length) throw OAuthError.invalidScope(`scope beyond the original grant: ${widened.join(' ')}`);
    return {
      subject: grant.subject,
      scopes: requested.length ? requested : grant.scopes,
      audience: grant.audience,
      claims: grant.claims,
      refreshToken: true,
      refreshTokenFamily: grant.familyId,
    };
  }
}
