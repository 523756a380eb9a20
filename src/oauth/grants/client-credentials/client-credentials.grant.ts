import { Injectable } from '@nestjs/common';
import { OAuthError } from '../../../common/oauth-error';
import { Grant, GrantContext, GrantHandler, GrantResult } from '../../core/extension-points';
import { ORDERS } from '../../orders';
import { grantableScopes } from '../../core/scope-policy';
import { CLIENT_CREDENTIALS_GRANT } from './client-credentials.definition';

/** RFC 6749 §4.4: the client acts on its own behalf. */
@Grant({ order: ORDERS.grants.clientCredentials, id: CLIENT_CREDENTIALS_GRANT.id })
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = CLIENT_CREDENTIALS_GRANT.grantType;

  async handle({ client, request }: GrantContext): Promise<GrantResult> {
    // §4.4: "The client credentials grant type MUST only be used by confidential clients."
    if (client.authMethod === 'none') {
      throw OAuthError.unauthorizedClient('public clients cannot use client_credentials', { reason: 'grant_type_not_allowed' });
    }
    // §4.4.3: a refresh token SHOULD NOT be included.
    return { principal: { subject: client.clientId }, scopes: grantableScopes(client, request.scopes), refreshToken: false };
  }
}
