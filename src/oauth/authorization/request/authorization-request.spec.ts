import type { OAuthError } from '../../../common/oauth-error';
import { registeredClient } from '../../../../test/support/registered-client';
import { AuthorizationPageError } from './authorization-errors';
import { authorizationParams } from './authorization-params';
import { AuthorizationPolicy, ErrorDestination, recheckAgainstClient, validateAuthorizationRequest } from './authorization-request';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const ALL_TYPES = ['code', 'token', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'];
const client = registeredClient({
  grantTypes: new Set(['authorization_code', 'implicit']),
  responseTypes: new Set(ALL_TYPES),
  redirectUris: ['https://app.example.com/cb', 'https://app.example.com/other'],
  scopes: new Set(['openid', 'profile']),
  defaultScopes: ['profile'],
});
const policy: AuthorizationPolicy = { responseTypes: new Set(ALL_TYPES), pkce: { required: true, allowPlain: false }, parRequired: false, requestObjects: { unsigned: true, params: 'oidc' }, grantTypeApproved: () => true };
const base = { client_id: 'c1', redirect_uri: 'https://app.example.com/cb', response_type: 'code', scope: 'openid', code_challenge: CHALLENGE, code_challenge_method: 'S256' };

/** The error a request gets: a page error, one at the redirect URI (with where it goes), or `accepted`. */
function outcome(params: Record<string, string>, overrides: { policy?: Partial<AuthorizationPolicy>; client?: typeof client | undefined } = {}): string {
  const destination: { value?: ErrorDestination } = {};
  try {
    validateAuthorizationRequest(params, 'client' in overrides ? overrides.client : client, { ...policy, ...overrides.policy }, destination);
    return 'accepted';
  } catch (error) {
    if (error instanceof AuthorizationPageError) {
      expect(destination.value).toBeUndefined();
      return `page ${error.error}`;
    }
    expect(destination.value?.redirectUri).toBeDefined();
    return `redirect ${(error as OAuthError).code} (${destination.value!.responseMode})`;
  }
}

describe('authorization request validation (RFC 6749 §4.1.1/§4.2.1, RFC 7636, OIDC Core §3.1.2.1)', () => {
  it('accepts a code request with S256 PKCE and keeps what the flow needs', () => {
    const validated = validateAuthorizationRequest({ ...base, state: 's', nonce: 'n', prompt: 'login consent', max_age: '60', ui_locales: 'fr en' }, client, policy, {});
    expect(validated).toMatchObject({ clientId: 'c1', redirectUri: base.redirect_uri, redirectUriGiven: true, responseType: 'code', responseMode: 'query', scopes: ['openid'], state: 's', nonce: 'n', codeChallenge: CHALLENGE, codeChallengeMethod: 'S256', prompt: ['login', 'consent'], maxAge: 60, uiLocales: ['fr', 'en'] });
  });

  it('answers with an error page, never a redirect, while the client or the redirect URI is unknown (RFC 9700 §4.11)', () => {
    expect(outcome(base, { client: undefined })).toBe('page invalid_request');
    expect(outcome({ ...base, redirect_uri: 'https://evil.example/cb' })).toBe('page invalid_request');
    // OIDC requires redirect_uri; plain OAuth may leave it out only when one is registered (RFC 6749 §3.1.2.3).
    const { redirect_uri: _uri, ...withoutUri } = base;
    expect(outcome(withoutUri)).toBe('page invalid_request');
    expect(outcome({ ...withoutUri, scope: 'profile' })).toBe('page invalid_request');
    const single = { ...client, redirectUris: ['https://app.example.com/cb'] };
    expect(validateAuthorizationRequest({ ...withoutUri, scope: 'profile' }, single, policy, {})).toMatchObject({ redirectUri: 'https://app.example.com/cb', redirectUriGiven: false });
  });

  it('resolves the JARM response modes: jwt is the response type\'s default as a JWT; query.jwt carries no tokens unless encrypted (JARM §2.3)', () => {
    const mode = (params: Record<string, string>, target = client) => validateAuthorizationRequest({ ...base, ...params }, target, policy, {}).responseMode;
    expect(mode({ response_mode: 'jwt' })).toBe('query.jwt');
    expect(mode({ response_mode: 'jwt', response_type: 'code id_token', nonce: 'n' })).toBe('fragment.jwt');
    expect(mode({ response_mode: 'form_post.jwt' })).toBe('form_post.jwt');
    expect(outcome({ ...base, response_mode: 'query.jwt', response_type: 'code id_token', nonce: 'n' })).toBe('redirect invalid_request (query.jwt)');
    expect(mode({ response_mode: 'query.jwt', response_type: 'code id_token', nonce: 'n' }, { ...client, authorizationEncryptedResponseAlg: 'RSA-OAEP-256' })).toBe('query.jwt');
    expect(outcome({ ...base, response_mode: 'jwt.query' })).toBe('redirect invalid_request (query)');
  });

  it('refuses a repeated parameter before anything else: which redirect URI would be right? (RFC 6749 §3.1)', () => {
    expect(() => authorizationParams({ redirect_uri: ['https://a/cb', 'https://b/cb'] })).toThrow(AuthorizationPageError);
    expect(authorizationParams({ scope: '', state: 's' })).toEqual({ state: 's' });
  });

  it('sends every later error to the redirect URI, in the response mode the request asked for', () => {
    expect(outcome({ ...base, response_type: 'code unknown' })).toBe('redirect unsupported_response_type (query)');
    const { response_type: _type, ...withoutType } = base;
    expect(outcome(withoutType)).toBe('redirect invalid_request (query)');
    expect(outcome({ ...base, scope: 'openid admin' })).toBe('redirect invalid_scope (query)');
    expect(outcome({ ...base, scope: 'openid email' })).toBe('redirect invalid_scope (query)');
    expect(outcome({ ...base, request: 'eyJ...' })).toBe('redirect request_not_supported (query)');
    expect(outcome({ ...base, prompt: 'none login' })).toBe('redirect invalid_request (query)');
    expect(outcome({ ...base, max_age: '-1' })).toBe('redirect invalid_request (query)');
    expect(outcome({ ...base, response_mode: 'form_post', prompt: 'sometimes' })).toBe('redirect invalid_request (form_post)');
  });

  it('keeps tokens out of the query: implicit and hybrid default to the fragment and refuse response_mode=query', () => {
    expect(validateAuthorizationRequest({ ...base, response_type: 'id_token token', nonce: 'n' }, client, policy, {}).responseMode).toBe('fragment');
    // The refusal itself carries no token: it goes where the request asked.
    expect(outcome({ ...base, response_type: 'code id_token', nonce: 'n', response_mode: 'query' })).toBe('redirect invalid_request (query)');
    // OIDC Core §3.2.2.1: an ID token from the authorization endpoint needs a nonce.
    expect(outcome({ ...base, response_type: 'code id_token' })).toBe('redirect invalid_request (fragment)');
  });

  it('holds PKCE to the policy: S256 only unless plain is allowed; a public client always needs it', () => {
    const { code_challenge: _c, code_challenge_method: _m, ...noPkce } = base;
    expect(outcome(noPkce)).toBe('redirect invalid_request (query)');
    expect(outcome(noPkce, { policy: { pkce: { required: false, allowPlain: false } } })).toBe('accepted');
    expect(outcome(noPkce, { policy: { pkce: { required: false, allowPlain: false } }, client: { ...client, authMethod: 'none' } })).toBe('redirect invalid_request (query)');
    // RFC 7636 §4.3: without a method the challenge is plain, which this policy refuses.
    const { code_challenge_method: _method, ...plainByDefault } = base;
    expect(outcome(plainByDefault)).toBe('redirect invalid_request (query)');
    expect(outcome({ ...base, code_challenge_method: 'plain' }, { policy: { pkce: { required: true, allowPlain: true } } })).toBe('accepted');
    expect(outcome({ ...base, code_challenge: 'short' })).toBe('redirect invalid_request (query)');
  });

  it('refuses a response type the client is not registered for, or whose grant type awaits approval', () => {
    expect(outcome(base, { client: { ...client, responseTypes: new Set(['token']) } })).toBe('redirect unauthorized_client (query)');
    expect(outcome(base, { policy: { grantTypeApproved: (_client, grantType) => grantType !== 'authorization_code' } })).toBe('redirect unauthorized_client (query)');
    expect(outcome(base, { policy: { parRequired: true } })).toBe('redirect invalid_request (query)');
    // A response type the deployment (or the client's security profile) does not serve, though the client registered it.
    expect(outcome({ ...base, response_type: 'token' }, { policy: { responseTypes: new Set(['code']) } })).toBe('redirect unsupported_response_type (fragment)');
  });

  it('re-checks a stored request against the client as it is now: a redirect URI gone is a page error, a scope gone a redirect', () => {
    const validated = validateAuthorizationRequest({ ...base, scope: 'openid profile' }, client, policy, {});
    expect(() => recheckAgainstClient(validated, client, policy)).not.toThrow();
    expect(() => recheckAgainstClient(validated, { ...client, redirectUris: ['https://app.example.com/other'] }, policy)).toThrow(AuthorizationPageError);
    expect(() => recheckAgainstClient(validated, { ...client, scopes: new Set(['openid']) }, policy)).toThrow(/scope not allowed for this client: profile/);
  });
});
