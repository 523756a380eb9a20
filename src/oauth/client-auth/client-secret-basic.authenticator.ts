import { Injectable } from '@nestjs/common';
import { CLIENT_AUTHENTICATION_FAILED, OAuthError } from '../../common/oauth-error';
import { AuthenticatedClient, ClientAuth, ClientAuthenticator } from '../core/extension-points';
import { ORDERS } from '../orders';
import { ClientRequest } from '../core/client-request';
import { ClientSecretVerifier } from './client-secret.verifier';

/** RFC 6749 §2.3.1: client_id and client_secret in an HTTP Basic Authorization header. */
@ClientAuth({
  order: ORDERS.authenticators.clientSecretBasic,
  id: 'client_secret_basic',
  names: ['org.wso2.carbon.identity.oauth2.client.authentication.BasicAuthClientAuthenticator'],
})
@Injectable()
export class ClientSecretBasicAuthenticator implements ClientAuthenticator {
  readonly method = 'client_secret_basic';

  constructor(private readonly verifier: ClientSecretVerifier) {}

  canAuthenticate(request: ClientRequest): boolean {
    return /^basic /i.test(request.authorization ?? '');
  }

  async authenticate(request: ClientRequest): Promise<AuthenticatedClient> {
    const { clientId, secret } = decodeBasic(request.authorization!);
    return { client: await this.verifier.verify(clientId, secret) };
  }
}

/** Base64 of `urlencode(id):urlencode(secret)`; both halves are form-urlencoded (§2.3.1). */
export function decodeBasic(header: string): { clientId: string; secret: string } {
  const encoded = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: 'Basic credentials are not base64', reason: 'client_credentials_malformed' });
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: 'Basic credentials have no client_id:secret pair', reason: 'client_credentials_malformed' });
  return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/** application/x-www-form-urlencoded decoding; generated ids and secrets have nothing to decode. */
function formDecode(value: string): string {
  if (!/[%+]/.test(value)) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: 'Basic credentials have malformed percent-encoding', reason: 'client_credentials_malformed' });
  }
}
