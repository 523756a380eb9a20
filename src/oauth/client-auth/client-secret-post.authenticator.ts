import { Injectable } from '@nestjs/common';
import { CLIENT_AUTHENTICATION_FAILED, OAuthError } from '../../common/oauth-error';
import { AuthenticatedClient, ClientAuth, ClientAuthenticator } from '../core/extension-points';
import { ORDERS } from '../orders';
import { ClientRequest } from '../core/client-request';
import { ClientSecretVerifier } from './client-secret.verifier';

/** RFC 6749 §2.3.1: client_id and client_secret in the request body. */
@ClientAuth({ order: ORDERS.authenticators.clientSecretPost, id: 'client_secret_post' })
@Injectable()
export class ClientSecretPostAuthenticator implements ClientAuthenticator {
  readonly method = 'client_secret_post';

  constructor(private readonly verifier: ClientSecretVerifier) {}

  canAuthenticate(request: ClientRequest): boolean {
    return request.param('client_secret') !== undefined;
  }

  async authenticate(request: ClientRequest): Promise<AuthenticatedClient> {
    const clientId = request.param('client_id');
    if (!clientId) throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: 'client_secret without client_id', reason: 'client_credentials_malformed' });
    return { client: await this.verifier.verify(clientId, request.param('client_secret')!) };
  }
}
