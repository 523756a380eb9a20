import { Injectable } from '@nestjs/common';
import { OAuthError } from '../../../common/oauth-error';
import { Grant, GrantContext, GrantHandler, GrantResult } from '../../extension-points';
import { ORDERS } from '../../orders';
import { grantableScopes } from '../scopes';

/** RFC 6749 §4.4: the client acts on its own behalf. */
@Grant({ order: ORDERS.grants.clientCredentials, id: 'client_credentials' })
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';

  async handle({ client, request }: GrantContext): Promise<GrantResult> {
    // §4.4: "The client credentials grant type MUST only be used by confidential clients."
    if (client.authMethod === 'none') {
      throw OAuthError.unauthorizedClient('public clients cannot use client_credentials');
    }
    // §4.4.3: a refresh token SHOULD NOT be included.
    return { subject: client.clientId, scopes: grantableScopes(client, request.scopes), refreshToken: false };
  }
}
