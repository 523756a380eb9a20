import type { ClientsService } from '../../clients/clients.service';
import { OAuthError } from '../../common/oauth-error';
import { registeredClient } from '../../../test/support/registered-client';
import type { ReplayStore } from '../assertions/replay-store';
import { ClientRequest } from '../core/client-request';
import type { AuthenticatedClient, ClientAuthenticator } from '../core/extension-points';
import { SecurityProfile } from '../core/security-profile';
import type { SecurityProfiles } from '../core/security-profiles';
import type { AuthenticatorRegistry } from './authenticator.registry';
import { ClientAuthChain } from './client-auth.chain';

/** An authenticator that claims requests carrying its parameter, and authenticates the client the request names, registered for `registeredFor`. */
function authenticator(method: string, parameter: string, registeredFor = method): ClientAuthenticator & { calls: number } {
  return {
    method,
    calls: 0,
    canAuthenticate: (request: ClientRequest) => request.param(parameter) !== undefined,
    async authenticate(request: ClientRequest): Promise<AuthenticatedClient> {
      this.calls++;
      return { client: registeredClient({ clientId: request.param('as') ?? 'c1', authMethod: registeredFor }) };
    },
  } as ClientAuthenticator & { calls: number };
}

function chain(authenticators: ClientAuthenticator[], profile = new SecurityProfile({ name: 'baseline', pkce: { required: true, allowPlain: false } })): ClientAuthChain {
  const registry = { authenticators } as unknown as AuthenticatorRegistry;
  const profiles = { forClient: () => profile, current: profile } as unknown as SecurityProfiles;
  return new ClientAuthChain(registry, {} as ReplayStore, profiles, {} as ClientsService);
}

const request = (params: Record<string, string>, authorization?: string) => ClientRequest.parse(params, authorization);

async function refusal(run: Promise<unknown>): Promise<Pick<OAuthError, 'code' | 'reason' | 'viaAuthorizationHeader'> | undefined> {
  try {
    await run;
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    const { code, reason, viaAuthorizationHeader } = error as OAuthError;
    return { code, reason, viaAuthorizationHeader };
  }
  return undefined;
}

describe('the client-auth chain: exactly one method, the registered one, one the profile allows', () => {
  it('authenticates with the one authenticator whose credentials the request carries', async () => {
    const secret = authenticator('client_secret_post', 'client_secret');
    const jwt = authenticator('private_key_jwt', 'client_assertion');
    const { client } = await chain([secret, jwt]).authenticate(request({ client_assertion: 'x' }));
    expect(client.authMethod).toBe('private_key_jwt');
    expect([secret.calls, jwt.calls]).toEqual([0, 1]);
  });

  it('refuses credentials of two methods in one request, before verifying either: client_auth_methods_ambiguous', async () => {
    const secret = authenticator('client_secret_post', 'client_secret');
    const jwt = authenticator('private_key_jwt', 'client_assertion');
    expect(await refusal(chain([secret, jwt]).authenticate(request({ client_secret: 's', client_assertion: 'x' })))).toMatchObject({ code: 'invalid_request', reason: 'client_auth_methods_ambiguous' });
    expect([secret.calls, jwt.calls]).toEqual([0, 0]);
  });

  it('lets `none` step aside when another method claims the request', async () => {
    const none = authenticator('none', 'client_id');
    const secret = authenticator('client_secret_post', 'client_secret');
    const { client } = await chain([none, secret]).authenticate(request({ client_id: 'c1', client_secret: 's' }));
    expect(client.authMethod).toBe('client_secret_post');
    expect(none.calls).toBe(0);
  });

  it('refuses a request with no credentials any authenticator takes: client_credentials_missing, challenged when sent in the header', async () => {
    expect(await refusal(chain([authenticator('client_secret_post', 'client_secret')]).authenticate(request({ grant_type: 'x' })))).toEqual({ code: 'invalid_client', reason: 'client_credentials_missing', viaAuthorizationHeader: false });
    expect(await refusal(chain([authenticator('client_secret_post', 'client_secret')]).authenticate(request({ grant_type: 'x' }, 'Basic Zm9vOmJhcg==')))).toEqual({ code: 'invalid_client', reason: 'client_credentials_missing', viaAuthorizationHeader: true });
  });

  it('refuses a client registered for another method: client_auth_method_mismatch', async () => {
    expect(await refusal(chain([authenticator('client_secret_post', 'client_secret', 'private_key_jwt')]).authenticate(request({ client_secret: 's' })))).toMatchObject({ code: 'invalid_client', reason: 'client_auth_method_mismatch' });
  });

  it('refuses a body client_id that is not the authenticated client: client_id_mismatch', async () => {
    expect(await refusal(chain([authenticator('client_secret_post', 'client_secret')]).authenticate(request({ client_secret: 's', as: 'c1', client_id: 'c2' })))).toMatchObject({ code: 'invalid_request', reason: 'client_id_mismatch' });
  });

  it('refuses a method the client\'s security profile does not allow, though enabled and registered: client_auth_method_not_allowed', async () => {
    const strict = new SecurityProfile({ name: 'strict', pkce: { required: true, allowPlain: false }, clientAuthMethods: ['private_key_jwt'] });
    expect(await refusal(chain([authenticator('client_secret_post', 'client_secret')], strict).authenticate(request({ client_secret: 's' })))).toMatchObject({ code: 'invalid_client', reason: 'client_auth_method_not_allowed' });
    expect(await refusal(chain([authenticator('private_key_jwt', 'client_assertion')], strict).authenticate(request({ client_assertion: 'x' })))).toBeUndefined();
  });
});
