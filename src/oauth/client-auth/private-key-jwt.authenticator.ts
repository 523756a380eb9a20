import { Injectable } from '@nestjs/common';
import { ASYMMETRIC_ALGS } from '../../keys/jwk-selection';
import { ClientAuth } from '../core/extension-points';
import { ORDERS } from '../orders';
import { ClientRequest } from '../core/client-request';
import { ClientAssertionVerifier } from './client-assertion.verifier';
import { JwtAssertionAuthenticator } from './jwt-assertion.authenticator';
import { parseJwtClientAuthProperties } from './jwt-client-auth.properties';

/** OIDC Core §9 private_key_jwt: a JWT signed with the client's private key (RFC 7523 §2.2). */
@ClientAuth({
  order: ORDERS.authenticators.privateKeyJwt,
  id: 'private_key_jwt_authenticator',
  aliases: ['private_key_jwt'],
  names: ['org.wso2.carbon.identity.oauth2.token.handler.clientauth.jwt.PrivateKeyJWTClientAuthenticator'],
  checkProperties: parseJwtClientAuthProperties,
})
@Injectable()
export class PrivateKeyJwtAuthenticator extends JwtAssertionAuthenticator {
  readonly method = 'private_key_jwt';
  readonly signingAlgs = ASYMMETRIC_ALGS;

  /** Any client assertion that is not HMAC-signed (a malformed one too, so its error is specific). */
  canAuthenticate(request: ClientRequest): boolean {
    const present = request.param('client_assertion') !== undefined || request.param('client_assertion_type') !== undefined;
    return present && !ClientAssertionVerifier.isHmacAssertion(request);
  }
}
