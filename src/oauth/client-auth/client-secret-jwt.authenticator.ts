import { Injectable } from '@nestjs/common';
import { parseProperties } from '../../config/properties';
import { HMAC_ALGS } from '../assertions/jwk-selection';
import { AuthenticatedClient, ClientAuth, ClientAuthenticator } from '../extension-points';
import { ORDERS } from '../orders';
import { TokenRequest } from '../token/token-request';
import { ClientAssertionVerifier } from './client-assertion.verifier';
import { JwtClientAuthProperties } from './jwt-client-auth.properties';

/** OIDC Core §9 client_secret_jwt: a JWT with an HMAC under the client secret (RFC 7523 §2.2). */
@ClientAuth({ order: ORDERS.authenticators.clientSecretJwt, id: 'client_secret_jwt' })
@Injectable()
export class ClientSecretJwtAuthenticator implements ClientAuthenticator {
  readonly method = 'client_secret_jwt';
  readonly signingAlgs = HMAC_ALGS;
  private properties = new JwtClientAuthProperties();

  constructor(private readonly verifier: ClientAssertionVerifier) {}

  configure(properties: Readonly<Record<string, unknown>>): void {
    this.properties = parseProperties(JwtClientAuthProperties, properties);
  }

  canAuthenticate(request: TokenRequest): boolean {
    return ClientAssertionVerifier.isHmacAssertion(request);
  }

  async authenticate(request: TokenRequest): Promise<AuthenticatedClient> {
    return { client: await this.verifier.verify(request, this.method, this.signingAlgs, this.properties) };
  }
}
