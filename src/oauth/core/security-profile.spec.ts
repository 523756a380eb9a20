import { IssuerContext, issuerSettingsOf } from '../../common/issuer-context';
import { OAuthError } from '../../common/oauth-error';
import { RequestContext } from '../../common/request-context';
import { buildConfig } from '../../config/config-loader';
import { PkceSettings } from '../../config/config.schema';
import { registeredClient } from '../../../test/support/registered-client';
import { AuthorizationPolicy, validateAuthorizationRequest } from '../authorization/request/authorization-request';
import { AuthorizationPageError } from '../authorization/request/authorization-errors';
import { atLeastAsStrict, isProfileName, profileNamed } from './profile-names';
import { baselineProfile, SecurityProfile } from './security-profile';
import { SecurityProfiles } from './security-profiles';

const RESPONSE_TYPES = ['code', 'token', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'];
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none', 'tls_client_auth', 'a_plugins_method'];
const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'];

function pkce(fields: Partial<PkceSettings> = {}): PkceSettings {
  return Object.assign(new PkceSettings(), fields);
}

/** A FAPI 2-like profile: what a stricter profile is made of. */
const STRICT = new SecurityProfile({
  name: 'strict',
  pkce: { required: true, allowPlain: false },
  responseTypes: ['code'],
  clientAuthMethods: ['private_key_jwt', 'tls_client_auth'],
  signingAlgs: ['PS256', 'ES256', 'EdDSA'],
  parRequired: true,
  senderConstraintRequired: true,
  dpopNonceRequired: true,
});

describe('baselineProfile: the deployment file\'s switches, nothing narrowed', () => {
  it('takes [oauth.pkce] as configured: defaults S256 required, plain refused', () => {
    expect(baselineProfile(pkce()).pkce).toEqual({ required: true, allowPlain: false });
    expect(baselineProfile(pkce({ required: false, allow_plain: true })).pkce).toEqual({ required: false, allowPlain: true });
  });

  it('allows every response type, client authentication method and alg the deployment enables, a plugin\'s too', () => {
    const baseline = baselineProfile(pkce());
    expect(baseline.name).toBe('baseline');
    expect(RESPONSE_TYPES.every((type) => baseline.allowsResponseType(type))).toBe(true);
    expect(AUTH_METHODS.every((method) => baseline.allowsClientAuthMethod(method))).toBe(true);
    expect(ALGS.every((alg) => baseline.allowsSigningAlg(alg))).toBe(true);
    // The verifiers' own lists pass through untouched (no copy on the token endpoint's path).
    expect(baseline.allowedSigningAlgs(ALGS)).toBe(ALGS);
  });

  it('demands neither pushed requests nor sender-constrained tokens nor DPoP nonces (a FAPI 2 profile demands all three)', () => {
    const baseline = baselineProfile(pkce());
    expect(baseline.parRequired).toBe(false);
    expect(baseline.senderConstraintRequired).toBe(false);
    expect(baseline.dpopNonceRequired).toBe(false);
    expect(STRICT.dpopNonceRequired).toBe(true);
  });

  it('takes signed request objects without exp (OIDC Core §6.1); a profile may demand it (FAPI 2 Message Signing)', () => {
    expect(baselineProfile(pkce()).requestObjectExpRequired).toBe(false);
    expect(profileNamed('fapi2-security', pkce()).requestObjectExpRequired).toBe(true);
  });
});

describe('SecurityProfile: a stricter profile narrows, never widens', () => {
  it('keeps only what it lists, in the order given', () => {
    expect(RESPONSE_TYPES.filter((type) => STRICT.allowsResponseType(type))).toEqual(['code']);
    expect(AUTH_METHODS.filter((method) => STRICT.allowsClientAuthMethod(method))).toEqual(['private_key_jwt', 'tls_client_auth']);
    expect(STRICT.allowedSigningAlgs(ALGS)).toEqual(['PS256', 'ES256', 'EdDSA']);
    // Nothing it lists comes in when the deployment does not offer it.
    expect(STRICT.allowedSigningAlgs(['RS256', 'ES256'])).toEqual(['ES256']);
  });
});

describe('SecurityProfiles: the issuer\'s profile, then the client\'s', () => {
  const config = buildConfig({ server: { base_url: 'https://id.example.com' } }, { env: {} });

  it('builds each issuer\'s profile once, from that issuer\'s settings', () => {
    const issuers = new IssuerContext(config);
    const profiles = new SecurityProfiles(issuers);
    const settings = issuerSettingsOf(buildConfig({ oauth: { pkce: { required: false, allow_plain: true } } }, { env: {} }));
    const other = new RequestContext('acme.example', 'https://id.example.com/t/acme.example', settings);
    const ours = profiles.current;
    expect(profiles.current).toBe(ours);
    expect(ours.pkce).toEqual({ required: true, allowPlain: false });
    const theirs = issuers.run(other, () => profiles.current);
    expect(theirs.pkce).toEqual({ required: false, allowPlain: true });
    expect(issuers.run(other, () => profiles.current)).toBe(theirs);
    // A client has no profile of its own yet: its issuer's.
    expect(profiles.forClient(registeredClient())).toBe(ours);
  });
});

describe('the authorization endpoint asks the profile', () => {
  const client = registeredClient({ grantTypes: new Set(['authorization_code']), responseTypes: new Set(['code', 'code id_token']), redirectUris: ['https://app.example.com/cb'], scopes: new Set(['openid']) });
  const params = { client_id: 'c1', redirect_uri: 'https://app.example.com/cb', response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
  const policyOf = (profile: SecurityProfile): AuthorizationPolicy => ({
    responseTypes: new Set(['code', 'code id_token'].filter((type) => profile.allowsResponseType(type))),
    pkce: profile.pkce,
    parRequired: profile.parRequired,
    requestObjects: { unsigned: profile.unsignedRequestObjects, params: profile.requestObjectParams },
    grantTypeApproved: () => true,
  });
  const refusal = (profile: SecurityProfile, extra: Record<string, string>) => {
    try {
      validateAuthorizationRequest({ ...params, ...extra }, client, policyOf(profile), {});
    } catch (error) {
      expect(error).not.toBeInstanceOf(AuthorizationPageError);
      return (error as OAuthError).code;
    }
    return 'accepted';
  };

  it('baseline: a code request with S256 passes; one without PKCE is refused only while [oauth.pkce] required says so', () => {
    expect(refusal(baselineProfile(pkce()), {})).toBe('accepted');
    const { code_challenge: _challenge, code_challenge_method: _method, ...withoutPkce } = params;
    expect(() => validateAuthorizationRequest(withoutPkce, client, policyOf(baselineProfile(pkce())), {})).toThrow(/code_challenge is required/);
    expect(() => validateAuthorizationRequest(withoutPkce, client, policyOf(baselineProfile(pkce({ required: false }))), {})).not.toThrow();
  });

  it('a stricter profile refuses what baseline lets through: a response type it does not list, a request not pushed', () => {
    expect(refusal(baselineProfile(pkce()), { response_type: 'code id_token', nonce: 'n' })).toBe('accepted');
    const codeOnly = new SecurityProfile({ name: 'code only', pkce: { required: true, allowPlain: false }, responseTypes: ['code'] });
    expect(refusal(codeOnly, { response_type: 'code id_token', nonce: 'n' })).toBe('unsupported_response_type');
    expect(refusal(STRICT, {})).toBe('invalid_request');
  });
});

describe('profiles by name: [oauth.profile] name, a tenant\'s override of it', () => {
  it('baseline is the file\'s [oauth.pkce]; fapi2-security narrows to FAPI 2.0 §5 whatever the file says', () => {
    expect(profileNamed('baseline', pkce({ required: false }))).toEqual(baselineProfile(pkce({ required: false })));
    const fapi = profileNamed('fapi2-security', pkce({ required: false, allow_plain: true }));
    expect(fapi.name).toBe('fapi2-security');
    expect(fapi.pkce).toEqual({ required: true, allowPlain: false });
    expect(RESPONSE_TYPES.filter((type) => fapi.allowsResponseType(type))).toEqual(['code']);
    expect(AUTH_METHODS.filter((method) => fapi.allowsClientAuthMethod(method))).toEqual(['private_key_jwt', 'tls_client_auth']);
    expect(fapi.allowedSigningAlgs(ALGS)).toEqual(['PS256', 'ES256', 'EdDSA']);
    expect([fapi.parRequired, fapi.senderConstraintRequired, fapi.dpopNonceRequired, fapi.unsignedRequestObjects, fapi.requestObjectParams, fapi.issuerAudienceOnly]).toEqual([true, true, true, false, 'object', true]);
    expect([fapi.codeLifetime(600), fapi.codeLifetime(30)]).toEqual([60, 30]);
    expect([fapi.futureSkewSeconds(0), fapi.futureSkewSeconds(30), fapi.futureSkewSeconds(300)]).toEqual([10, 30, 60]);
    const baseline = profileNamed('baseline', pkce());
    expect([baseline.codeLifetime(600), baseline.futureSkewSeconds(300), baseline.issuerAudienceOnly]).toEqual([600, 300, false]);
    // FAPI 2.0 SP §5.3.2.1: confidential clients' refresh tokens are not rotated; baseline rotates every one.
    expect(['private_key_jwt', 'tls_client_auth', 'none'].map((method) => fapi.rotatesRefreshTokens(method))).toEqual([false, false, true]);
    expect(['client_secret_basic', 'none'].map((method) => baseline.rotatesRefreshTokens(method))).toEqual([true, true]);
  });

  it('orders them weakest first: a client\'s may only be as strict as its tenant\'s or stricter', () => {
    expect(atLeastAsStrict('fapi2-security', 'baseline')).toBe(true);
    expect(atLeastAsStrict('baseline', 'baseline')).toBe(true);
    expect(atLeastAsStrict('baseline', 'fapi2-security')).toBe(false);
    expect(atLeastAsStrict('fapi2-message-signing', 'fapi2-security')).toBe(true);
    expect(atLeastAsStrict('fapi2-security', 'fapi2-message-signing')).toBe(false);
    expect(['baseline', 'fapi2-security', 'fapi2', 'FAPI2-security', undefined].map(isProfileName)).toEqual([true, true, false, false, false]);
  });

  it('serves each issuer the profile its settings name: the file\'s, or a tenant\'s override', () => {
    const issuers = new IssuerContext(buildConfig({ server: { base_url: 'https://id.example.com' } }, { env: {} }));
    const profiles = new SecurityProfiles(issuers);
    const fapiTenant = new RequestContext('bank.example', 'https://id.example.com/t/bank.example', issuerSettingsOf(buildConfig({ oauth: { profile: { name: 'fapi2-security' } } }, { env: {} })));
    expect(profiles.current.name).toBe('baseline');
    expect(issuers.run(fapiTenant, () => profiles.current.name)).toBe('fapi2-security');
  });

  it('fapi2-message-signing is fapi2-security with signed request objects and JWT authorization responses', () => {
    const security = profileNamed('fapi2-security', pkce());
    const signing = profileNamed('fapi2-message-signing', pkce());
    expect([security.signedRequestObjectRequired, security.jwtAuthorizationResponses]).toEqual([false, false]);
    expect([signing.signedRequestObjectRequired, signing.jwtAuthorizationResponses]).toEqual([true, true]);
    const { name: _a, signedRequestObjectRequired: _b, jwtAuthorizationResponses: _c, ...rest } = signing;
    const { name: _d, signedRequestObjectRequired: _e, jwtAuthorizationResponses: _f, ...securityRest } = security;
    expect(rest).toEqual(securityRest);
  });

  it('refuses an unknown name in the file', () => {
    expect(() => buildConfig({ oauth: { profile: { name: 'fapi2' } } }, { env: {} })).toThrow(/oauth\.profile\.name/);
  });
});
