import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import { logValue } from '../../common/log-text';
import { CLIENT_AUTHENTICATION_FAILED, OAuthError } from '../../common/oauth-error';
import { AuthenticatedClient, ClientAuth, ClientAuthenticator } from '../core/extension-points';
import { ORDERS } from '../orders';
import { ClientRequest } from '../core/client-request';

/**
 * Public clients (RFC 6749 §2.1): identified by client_id alone. Only a client registered
 * with `none` passes — the chain checks that — and grants decide what a public client may do.
 */
@ClientAuth({ order: ORDERS.authenticators.none, id: 'none' })
@Injectable()
export class NoneAuthenticator implements ClientAuthenticator {
  readonly method = 'none';

  constructor(private readonly clients: ClientsService) {}

  canAuthenticate(request: ClientRequest): boolean {
    return request.identifiesOnly;
  }

  async authenticate(request: ClientRequest): Promise<AuthenticatedClient> {
    const clientId = request.param('client_id')!;
    const client = await this.clients.findForAuthentication(clientId);
    if (!client) throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: `unknown client ${logValue(clientId, 32)}`, reason: 'client_unknown' });
    return { client };
  }
}
