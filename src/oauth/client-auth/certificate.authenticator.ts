import { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import type { ClientCertificate } from '../../common/connection/client-certificate';
import { logValue } from '../../common/log-text';
import { CLIENT_AUTHENTICATION_FAILED, OAuthError } from '../../common/oauth-error';
import { AuthenticatedClient, ClientAuthenticator } from '../core/extension-points';
import { ClientRequest } from '../core/client-request';

/**
 * RFC 8705 §2: the client's credential is the TLS client certificate of the connection (grantry's
 * own listener, or a trusted proxy's header), with its `client_id` in the request. Both mTLS methods
 * read the same credentials, so which one applies is the client's registered method
 * (`selectedByRegistration`, ClientAuthChain).
 */
export abstract class CertificateAuthenticator implements ClientAuthenticator {
  abstract readonly method: string;
  readonly selectedByRegistration = true;

  constructor(protected readonly clients: ClientsService) {}

  canAuthenticate(request: ClientRequest): boolean {
    return request.clientCertificate !== undefined && request.identifiesOnly;
  }

  async authenticate(request: ClientRequest): Promise<AuthenticatedClient> {
    const clientId = request.param('client_id')!;
    const client = await this.clients.findForAuthentication(clientId);
    if (!client) throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: `unknown client ${logValue(clientId, 32)}`, reason: 'client_unknown' });
    // Another method registered: the chain says so (client_auth_method_mismatch) without looking at the certificate.
    if (client.authMethod !== this.method) return { client };
    const refusal = await this.refusal(client, request.clientCertificate!);
    if (refusal) throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: `client ${client.clientId}: ${refusal}`, reason: 'client_certificate_mismatch' });
    return { client };
  }

  /** Why the certificate does not authenticate the client, or undefined when it does. */
  protected abstract refusal(client: RegisteredClient, certificate: ClientCertificate): Promise<string | undefined>;
}
