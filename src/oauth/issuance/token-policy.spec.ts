import type { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError } from '../../common/oauth-error';
import { buildConfig } from '../../config/config-loader';
import type { IdentityProviderEntity } from '../../identity-providers/identity-provider.entity';
import type { IdentityProvidersService } from '../../identity-providers/identity-providers.service';
import { registeredClient } from '../../../test/support/registered-client';
import { ClientRequest } from '../core/client-request';
import type { GrantResult } from '../core/extension-points';
import { SecurityProfile } from '../core/security-profile';
import { SecurityProfiles } from '../core/security-profiles';
import type { GrantRecordEntity } from '../grant-records/grant-record.entity';
import { RegistrationGrantTypes } from '../registration/registration-grant-types';
import { TokenPolicy } from './token-policy';

const API = 'https://api.example.com';
const config = buildConfig({ server: { base_url: 'https://id.example.com' } }, { env: {} });
const client = registeredClient({ grantTypes: new Set(['client_credentials', 'password', 'refresh_token']), scopes: new Set(['read', 'write', 'admin']), audience: [API] });
/** Its registrant chose the password grant (RFC 7591); registration offers only the authorization endpoint's grants. */
const registered = registeredClient({ clientId: 'r1', grantTypes: new Set(['password']), registrantGrantTypes: new Set(['password']), scopes: new Set(['read']) });

const providers = {
  async findByName(name: string) {
    return name === 'corp' ? ({ id: 'p1', name, enabled: true } as IdentityProviderEntity) : name === 'old' ? ({ id: 'p2', name, enabled: false } as IdentityProviderEntity) : undefined;
  },
} as unknown as IdentityProvidersService;

function policy(profile?: SecurityProfile): TokenPolicy {
  const context = new IssuerContext(config);
  const profiles = profile ? ({ forClient: () => profile, current: profile } as unknown as SecurityProfiles) : new SecurityProfiles(context);
  return new TokenPolicy(context, providers, new RegistrationGrantTypes(config, {} as ClientsService, context), profiles);
}

const request = (params: Record<string, string | string[]> = {}) => ClientRequest.parse({ grant_type: 'password', ...params }, undefined);
const result = (fields: Partial<GrantResult> = {}): GrantResult => ({ principal: { subject: 'alice' }, scopes: ['read'], ...fields });

async function refusal(run: () => unknown): Promise<Pick<OAuthError, 'code' | 'reason'> | undefined> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    const { code, reason } = error as OAuthError;
    return { code, reason };
  }
  return undefined;
}

describe('TokenPolicy.precheck: what the request alone settles, before any grant runs', () => {
  it('passes an ordinary request', async () => {
    expect(await refusal(() => policy().precheck(client, 'password', request({ scope: 'read' })))).toBeUndefined();
  });

  it('refuses a grant type a registrant chose outside [oauth.registration] allowed_grant_types: unauthorized_client', async () => {
    expect(await refusal(() => policy().precheck(registered, 'password', request()))).toEqual({ code: 'unauthorized_client', reason: 'grant_type_not_allowed' });
  });

  it('refuses the admin scope outside client_credentials, and a resource the client may never address', async () => {
    expect(await refusal(() => policy().precheck(client, 'password', request({ scope: 'admin' })))).toEqual({ code: 'invalid_scope', reason: 'admin_scope_misuse' });
    expect(await refusal(() => policy().precheck(client, 'password', request({ resource: 'https://elsewhere.example.com' })))).toEqual({ code: 'invalid_target', reason: 'target_not_allowed' });
  });

  it('refuses every request under a profile that allows no bearer tokens (nothing proves a key yet)', async () => {
    const strict = new SecurityProfile({ name: 'strict', pkce: { required: true, allowPlain: false }, senderConstraintRequired: true });
    expect(await refusal(() => policy(strict).precheck(client, 'password', request()))).toEqual({ code: 'invalid_request', reason: 'sender_constraint_required' });
  });
});

describe('TokenPolicy.apply: every grant\'s decision, built-in or plugin, held to the client\'s registration', () => {
  const apply = (grantResult: GrantResult, grantType = 'password', on: RegisteredClient = client, resources: string[] = []) => policy().apply(on, grantType, resources, grantResult);

  it('keeps registered scopes (once each) and resolves the audience', async () => {
    expect(await apply(result({ scopes: ['read', 'write', 'read'] }))).toEqual({ scopes: ['read', 'write'], audience: [API] });
    expect(await apply(result(), 'password', client, [API])).toEqual({ scopes: ['read'], audience: [API] });
  });

  it('refuses a subject a column cannot hold or a log line should not: subject_invalid', async () => {
    expect(await refusal(() => apply(result({ principal: { subject: 'x'.repeat(256) } })))).toEqual({ code: 'invalid_grant', reason: 'subject_invalid' });
    expect(await refusal(() => apply(result({ principal: { subject: 'a\nb' } })))).toEqual({ code: 'invalid_grant', reason: 'subject_invalid' });
  });

  it('refuses a plugin\'s malformed or unregistered scope, and an expired grant', async () => {
    expect(await refusal(() => apply(result({ scopes: ['read', 'a"b'] })))).toEqual({ code: 'invalid_scope', reason: 'scope_malformed' });
    expect(await refusal(() => apply(result({ scopes: ['delete'] })))).toEqual({ code: 'invalid_scope', reason: 'scope_not_allowed' });
    expect(await refusal(() => apply(result({ notAfter: Math.floor(Date.now() / 1000) - 1 })))).toEqual({ code: 'invalid_grant', reason: 'grant_expired' });
  });

  it('gives the admin scope only to client_credentials for the client itself, alone, for the admin API', async () => {
    expect(await apply(result({ principal: { subject: client.clientId }, scopes: ['admin'] }), 'client_credentials')).toEqual({ scopes: ['admin'], audience: ['https://id.example.com/api/admin'] });
    expect(await refusal(() => apply(result({ scopes: ['admin'] }), 'client_credentials'))).toEqual({ code: 'invalid_scope', reason: 'admin_scope_misuse' });
    expect(await refusal(() => apply(result({ principal: { subject: client.clientId }, scopes: ['admin', 'read'] }), 'client_credentials'))).toEqual({ code: 'invalid_scope', reason: 'admin_scope_misuse' });
    expect(await refusal(() => apply(result({ principal: { subject: client.clientId }, scopes: ['admin'] }), 'client_credentials', client, [API]))).toEqual({ code: 'invalid_target', reason: 'admin_scope_misuse' });
  });

  it('keeps a grant\'s audience within what the client may address, and a refresh\'s resources within the original grant', async () => {
    expect(await refusal(() => apply(result({ audience: ['https://elsewhere.example.com'] })))).toEqual({ code: 'invalid_target', reason: 'target_not_allowed' });
    const continues = { record: { grantType: 'password', audience: [API] } as GrantRecordEntity, redemption: { sql: '', params: [] } };
    expect(await refusal(() => apply(result({ continues }), 'refresh_token', registeredClient({ scopes: new Set(['read']), audience: [API, 'https://other.example.com'] }), ['https://other.example.com']))).toEqual({ code: 'invalid_target', reason: 'target_not_allowed' });
  });

  it('names the identity provider that vouched while it is enabled; a disabled or unknown one vouches for nobody', async () => {
    expect((await apply(result({ principal: { subject: 'alice', identityProvider: 'corp' } })))?.identityProvider?.id).toBe('p1');
    for (const name of ['old', 'gone']) {
      expect(await refusal(() => apply(result({ principal: { subject: 'alice', identityProvider: name } })))).toEqual({ code: 'invalid_grant', reason: 'identity_provider_disabled' });
    }
  });
});
