import { Injectable } from '@nestjs/common';
import { HMAC_ALGS } from '../../keys/jwk-selection';
import { ClientAuth } from '../core/extension-points';
import { ORDERS } from '../orders';
import { ClientRequest } from '../core/client-request';
import { ClientAssertionVerifier } from './client-assertion.verifier';
import { JwtAssertionAuthenticator } from './jwt-assertion.authenticator';
import { parseJwtClientAuthProperties } from './jwt-client-auth.properties';

/** OIDC Core §9 client_secret_jwt: a JWT with an HMAC under the client secret (RFC 7523 §2.2). */
@ClientAuth({ order: ORDERS.authenticators.clientSecretJwt, id: 'client_secret_jwt', checkProperties: parseJwtClientAuthProperties })
@Injectable()
export class ClientSecretJwtAuthenticator extends JwtAssertionAuthenticator {
  readonly method = 'client_secret_jwt';
  readonly signingAlgs = HMAC_ALGS;

  canAuthenticate(request: ClientRequest): boolean {
    return ClientAssertionVerifier.isHmacAssertion(request);
  }
}
