import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import { CLIENT_AUTHENTICATION_FAILED, OAuthError } from '../../common/oauth-error';
import type { WriteStep } from '../../database/atomic-writer';
import { ReplayStore } from '../assertions/replay-store';
import { AuthenticatedClient } from '../core/extension-points';
import { ClientRequest } from '../core/client-request';
import { SecurityProfiles } from '../core/security-profiles';
import { AuthenticatorRegistry } from './authenticator.registry';

/**
 * Authenticates the client of any client request (token, and later introspection, revocation,
 * PAR): picks the one authenticator whose credentials the request carries and enforces the
 * registered method. What it returns to consume (an assertion's jti) is consumed by the caller,
 * last, once the whole request passed.
 */
@Injectable()
export class ClientAuthChain {
  constructor(
    private readonly registry: AuthenticatorRegistry,
    private readonly replay: ReplayStore,
    private readonly profiles: SecurityProfiles,
    private readonly clients: ClientsService,
  ) {}

  /** The statements that record the client assertion's jti as used: the caller commits them last, with its own writes. */
  consumption({ consume }: AuthenticatedClient): WriteStep[] {
    return consume ? consume.flatMap((jti) => this.replay.consumption(jti, () => OAuthError.invalidClient('assertion jti has been used already', { reason: 'assertion_jti_replayed' }))) : [];
  }

  async authenticate(request: ClientRequest): Promise<AuthenticatedClient> {
    try {
      return await this.run(request);
    } catch (error) {
      // RFC 6749 §5.2: a failure of credentials sent in the Authorization header answers 401 with a challenge.
      if (error instanceof OAuthError && error.code === 'invalid_client' && request.authorization !== undefined) {
        error.viaAuthorizationHeader = true;
      }
      throw error;
    }
  }

  private async run(request: ClientRequest): Promise<AuthenticatedClient> {
    const matching = this.registry.authenticators.filter((authenticator) => authenticator.canAuthenticate(request));
    // `none` is the absence of credentials: it steps aside when any other method claims the request
    // (a client_id in the body beside, say, a certificate header from a TLS-terminating proxy).
    let candidates = matching.length > 1 ? matching.filter((authenticator) => authenticator.method !== 'none') : matching;
    // RFC 8705 §2: a client certificate and a client_id are the credentials of both mTLS methods, and
    // what a public client sends with a certificate (for certificate-bound tokens, §4): the client's
    // registered method tells them apart. An unknown client, or another registered method, goes to the
    // first of them, which refuses it.
    if (matching.length > 1 && matching.every((authenticator) => authenticator.selectedByRegistration || authenticator.method === 'none')) {
      const registered = (await this.clients.findForAuthentication(request.param('client_id')!))?.authMethod;
      candidates = [matching.find((authenticator) => authenticator.method === registered) ?? candidates[0]];
    }
    if (candidates.length > 1) {
      throw OAuthError.invalidRequest(
        `the request uses more than one client authentication method (${candidates.map((a) => a.method).join(', ')})`,
        { reason: 'client_auth_methods_ambiguous' },
      );
    }
    if (!candidates.length) throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: 'no supported client credentials in the request', reason: 'client_credentials_missing' });
    const [authenticator] = candidates;
    const authenticated = await authenticator.authenticate(request);
    const { client } = authenticated;
    if (client.authMethod !== authenticator.method) {
      throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: `client ${client.clientId} is registered for ${client.authMethod}, not ${authenticator.method}`, reason: 'client_auth_method_mismatch' });
    }
    // The security profile's methods (FAPI 2: private_key_jwt and mTLS only); baseline allows every enabled one.
    if (!this.profiles.forClient(client).allowsClientAuthMethod(authenticator.method)) {
      throw OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail: `${authenticator.method} is not allowed by the security profile`, reason: 'client_auth_method_not_allowed' });
    }
    const bodyClientId = request.param('client_id');
    if (bodyClientId !== undefined && bodyClientId !== client.clientId) {
      throw OAuthError.invalidRequest('client_id does not match the authenticated client', { reason: 'client_id_mismatch' });
    }
    return authenticated;
  }
}
