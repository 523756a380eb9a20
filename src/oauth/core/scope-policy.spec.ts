import { OAuthError } from '../../common/oauth-error';
import { registeredClient } from '../../../test/support/registered-client';
import { adminScopeMisuse, checkScopes, grantableScopes, scopeNotAllowed } from './scope-policy';

const client = registeredClient({ scopes: new Set(['read', 'write', 'openid']), defaultScopes: ['read'] });

/** The refusal `run` throws: code, description, reason. */
function refusal(run: () => unknown): Pick<OAuthError, 'code' | 'description' | 'reason' | 'status'> | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    const { code, description, reason, status } = error as OAuthError;
    return { code, description, reason, status };
  }
  return undefined;
}

describe('the scope policy: one wording and one reason code per rule, at every endpoint', () => {
  it('lets registered, well-formed scopes through', () => {
    expect(refusal(() => checkScopes(client, ['read', 'openid'], 'client'))).toBeUndefined();
    expect(refusal(() => checkScopes(client, [], 'anyone'))).toBeUndefined();
  });

  it('refuses a malformed scope token first (RFC 6749 §3.3): scope_malformed', () => {
    expect(refusal(() => checkScopes(client, ['read', 'a"b', 'nope'], 'client'))).toEqual({ code: 'invalid_scope', description: 'malformed scope token: "a\\"b"', reason: 'scope_malformed', status: 400 });
    for (const bad of ['a\\b', 'é', 'a b', '']) expect(refusal(() => checkScopes(client, [bad], 'anyone'))?.reason).toBe('scope_malformed');
  });

  it('refuses an unregistered scope, naming the registered ones to the authenticated client only: scope_not_allowed', () => {
    expect(refusal(() => checkScopes(client, ['read', 'admin', 'delete'], 'client'))).toEqual({
      code: 'invalid_scope', description: "scope not allowed for this client: admin delete (this client's registered scopes: read write openid)", reason: 'scope_not_allowed', status: 400,
    });
    // At the authorization endpoint anyone may send any client_id: the registration is not told.
    expect(refusal(() => checkScopes(client, ['delete'], 'anyone'))).toEqual({ code: 'invalid_scope', description: 'scope not allowed for this client: delete', reason: 'scope_not_allowed', status: 400 });
    expect(scopeNotAllowed(registeredClient(), ['x']).description).toBe('scope not allowed for this client: x (this client has no registered scopes)');
  });

  it('words the reserved admin scope\'s refusals once: admin_scope_misuse', () => {
    expect(adminScopeMisuse()).toMatchObject({ code: 'invalid_scope', description: 'the admin scope is granted only by client_credentials to a client acting for itself', reason: 'admin_scope_misuse' });
    expect(adminScopeMisuse(true)).toMatchObject({ code: 'invalid_scope', description: 'the admin scope cannot be combined with other scopes in one request', reason: 'admin_scope_misuse' });
  });

  it('grants the default scopes when none is asked for, else exactly what was asked, never narrowed silently', () => {
    expect(grantableScopes(client, [])).toEqual(['read']);
    expect(grantableScopes(client, ['write', 'openid'])).toEqual(['write', 'openid']);
    expect(refusal(() => grantableScopes(client, ['write', 'delete']))?.reason).toBe('scope_not_allowed');
  });
});
