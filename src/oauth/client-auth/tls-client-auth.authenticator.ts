import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import type { ClientCertificate } from '../../common/connection/client-certificate';
import { ClientAuth } from '../core/extension-points';
import { ORDERS } from '../orders';
import { CertificateAuthenticator } from './certificate.authenticator';
import { certificateMatchesSubject } from './certificate-subject';

/**
 * RFC 8705 §2.1 PKI mutual-TLS: a certificate whose chain was verified to `[server.tls] client_ca`
 * and whose subject DN or SAN is the one the client registered (§2.1.2). A certificate that names
 * the client but was not verified — self-signed, another CA — is no credential at all.
 */
@ClientAuth({ order: ORDERS.authenticators.tlsClientAuth, id: 'tls_client_auth' })
@Injectable()
export class TlsClientAuthAuthenticator extends CertificateAuthenticator {
  readonly method = 'tls_client_auth';

  constructor(clients: ClientsService) {
    super(clients);
  }

  protected async refusal(client: RegisteredClient, certificate: ClientCertificate): Promise<string | undefined> {
    if (!certificate.chainVerified) return 'the client certificate does not chain to [server.tls] client_ca';
    if (!certificateMatchesSubject(certificate.x509, client.tlsClientAuth)) return 'the client certificate does not carry the registered subject';
    return undefined;
  }
}
