import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import { RegisteredClient } from '../../clients/registered-client';
import { logValue } from '../../common/log-text';
import { CLIENT_AUTHENTICATION_FAILED, OAuthError } from '../../common/oauth-error';
import { SecurityService } from '../../security/security.service';

/** The shared check of client_secret_basic and client_secret_post. */
@Injectable()
export class ClientSecretVerifier {
  constructor(private readonly clients: ClientsService, private readonly security: SecurityService) {}

  async verify(clientId: string, secret: string): Promise<RegisteredClient> {
    const client = await this.clients.findForAuthentication(clientId);
    if (!client) {
      // Same work as a real comparison, so timing does not tell unknown clients apart.
      this.security.secretMatches(secret, 'x'.repeat(43));
      throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: `unknown client ${logValue(clientId, 32)}`, reason: 'client_unknown' });
    }
    if (!client.secretDigest || !this.security.secretMatches(secret, client.secretDigest)) {
      throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: `wrong secret for client ${clientId}`, reason: 'client_secret_mismatch' });
    }
    return client;
  }
}
