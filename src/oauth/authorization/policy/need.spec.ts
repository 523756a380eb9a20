import type { ValidatedAuthorizationRequest } from '../request/authorization-request';
import { consentNeed, consentScopes, SignIn, signInNeed, signInRefusal } from './need';

const NOW = 1_000_000;
const request = (fields: Partial<ValidatedAuthorizationRequest> = {}): ValidatedAuthorizationRequest => ({
  clientId: 'c1',
  redirectUri: 'https://app.example.com/cb',
  redirectUriGiven: true,
  responseType: 'code',
  responseMode: 'query',
  scopes: ['openid'],
  prompt: [],
  uiLocales: [],
  ...fields,
});
const signIn = (fields: Partial<Omit<SignIn, 'subject'>> & { subject?: string } = {}): SignIn => {
  const { subject = 'alice', ...rest } = fields;
  return { authTime: NOW - 100, acr: 'urn:grantry:acr:password', subject: () => subject, ...rest };
};

describe('the prompt and session policy (OIDC Core §3.1.2.1)', () => {
  it('lets a live sign-in answer a plain request; consent decides the rest', () => {
    expect(signInNeed(request(), signIn(), NOW)).toBeUndefined();
    expect(consentNeed(request(), true)).toBe('nothing');
    expect(consentNeed(request(), false)).toBe('consent');
  });

  it('asks for a sign-in without a session, or with prompt=login', () => {
    expect(signInNeed(request(), undefined, NOW)).toBe('login');
    expect(signInNeed(request({ prompt: ['login'] }), signIn(), NOW)).toBe('login');
  });

  it('asks for a new sign-in once max_age has passed, and always for max_age=0', () => {
    expect(signInNeed(request({ maxAge: 100 }), signIn(), NOW)).toBeUndefined();
    expect(signInNeed(request({ maxAge: 99 }), signIn(), NOW)).toBe('login');
    expect(signInNeed(request({ maxAge: 0 }), signIn({ authTime: NOW }), NOW)).toBe('login');
  });

  it('never answers for a user the request did not name (id_token_hint, claims sub): that user must sign in', () => {
    expect(signInNeed(request({ subjects: ['alice'] }), signIn(), NOW)).toBeUndefined();
    expect(signInNeed(request({ subjects: ['bob'] }), signIn(), NOW)).toBe('login');
    expect(signInRefusal(request({ subjects: ['bob'] }), signIn())?.code).toBe('login_required');
  });

  it('asks the subject only when the request names one (a pairwise subject costs a digest)', () => {
    const asked = jest.fn(() => 'alice');
    expect(signInNeed(request(), { authTime: NOW, acr: null, subject: asked }, NOW)).toBeUndefined();
    expect(asked).not.toHaveBeenCalled();
  });

  it('holds the sign-in to an essential acr (§5.5.1.1): another sign-in first, then unmet_authentication_requirements', () => {
    expect(signInNeed(request({ essentialAcr: ['urn:grantry:acr:password'] }), signIn(), NOW)).toBeUndefined();
    expect(signInNeed(request({ essentialAcr: ['urn:example:mfa'] }), signIn(), NOW)).toBe('login');
    expect(signInNeed(request({ essentialAcr: [] }), signIn({ acr: null }), NOW)).toBe('login');
    expect(signInRefusal(request({ essentialAcr: ['urn:example:mfa'] }), signIn())?.code).toBe('unmet_authentication_requirements');
    expect(signInRefusal(request(), signIn())).toBeUndefined();
  });

  it('puts the account choice after every reason to sign in again, and prompt=consent always asks', () => {
    expect(signInNeed(request({ prompt: ['select_account'] }), signIn(), NOW)).toBe('select_account');
    expect(signInNeed(request({ prompt: ['select_account'], maxAge: 0 }), signIn(), NOW)).toBe('login');
    expect(consentNeed(request({ prompt: ['consent'] }), true)).toBe('consent');
  });

  it('remembers consent by scope: a claim asked for one by one needs the scope that releases it', () => {
    expect(consentScopes(request({ scopes: ['openid'], claims: { id_token: ['email'], userinfo: ['name'] } }))).toEqual(['openid', 'email', 'profile']);
    expect(consentScopes(request({ scopes: ['openid', 'email'], claims: { id_token: ['email'], userinfo: [] } }))).toEqual(['openid', 'email']);
  });
});
