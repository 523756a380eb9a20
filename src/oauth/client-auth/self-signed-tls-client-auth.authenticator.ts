import { Injectable } from '@nestjs/common';
import type { JWK } from 'jose';
import { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import type { ClientCertificate } from '../../common/connection/client-certificate';
import { ClientKeySource } from '../assertions/client-key-source';
import { ClientAuth } from '../core/extension-points';
import { ORDERS } from '../orders';
import { CertificateAuthenticator } from './certificate.authenticator';

/** The members that are a public key's material, by `kty` (RFC 7518 §6). */
const KEY_MEMBERS: Record<string, readonly string[]> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };

/**
 * RFC 8705 §2.2 self-signed certificate mutual-TLS: the certificate's public key is one of the
 * client's registered keys (`jwks`, or `jwks_uri` fetched as for its assertions, once more when
 * the cached set lacks it). No chain is involved, so `[server.tls] client_ca` plays no part.
 */
@ClientAuth({ order: ORDERS.authenticators.selfSignedTlsClientAuth, id: 'self_signed_tls_client_auth' })
@Injectable()
export class SelfSignedTlsClientAuthAuthenticator extends CertificateAuthenticator {
  readonly method = 'self_signed_tls_client_auth';

  constructor(clients: ClientsService, private readonly keys: ClientKeySource) {
    super(clients);
  }

  protected async refusal(client: RegisteredClient, certificate: ClientCertificate): Promise<string | undefined> {
    const presented = certificate.x509.publicKey.export({ format: 'jwk' }) as JWK;
    if (client.jwks && (client.jwks.keys as JWK[]).some((key) => sameKey(key, presented))) return undefined;
    if (client.jwksUri) {
      try {
        if ((await this.keys.jwksUriKeys(client)).some((key) => sameKey(key, presented))) return undefined;
        if ((await this.keys.jwksUriKeys(client, { refetch: true })).some((key) => sameKey(key, presented))) return undefined;
      } catch (error) {
        return `its jwks_uri could not be fetched: ${(error as Error).message}`;
      }
    }
    return 'the client certificate\'s public key is not in the registered jwks';
  }
}

function sameKey(registered: JWK, presented: JWK): boolean {
  const members = registered.kty === presented.kty ? KEY_MEMBERS[presented.kty ?? ''] : undefined;
  return members !== undefined && members.every((member) => registered[member as keyof JWK] === presented[member as keyof JWK]);
}
