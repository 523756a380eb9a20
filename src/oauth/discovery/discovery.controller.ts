import { Controller, Get, Header } from '@nestjs/common';
import { AnyOrigin } from '../../common/cors/cors-response';
import { ENCRYPTION_ALGS, ENCRYPTION_ENCS } from '../../clients/encryption-metadata';
import { IssuerContext } from '../../common/issuer-context';
import { AuthorizationPolicies } from '../authorization/request/authorization-policies';
import { AuthenticatorRegistry } from '../client-auth/authenticator.registry';
import { SecurityProfiles } from '../core/security-profiles';
import { CERTIFICATE_AUTH_METHODS } from '../issuance/certificate-binding';
import { OIDC_CLAIMS, OIDC_SCOPES } from '../tokens/oidc-claims';
import { GrantRegistry } from '../grants/grant.registry';
import { LoginSteps } from '../authorization/interaction/login-step';
import { GrantryConfig } from '../../config/config.schema';
import { DecryptionKeys } from '../../keys/decryption-keys';
import { CONTENT_ENCRYPTION_ALGS } from '../../keys/encryption-key-material';
import { REQUEST_OBJECT_SIGNING_ALGS } from '../../clients/client-metadata';
import { DPOP_SIGNING_ALGS } from '../dpop/dpop-proof';

/** The response modes of RFC 6749 / OAuth 2.0 Form Post, and their JWT forms (JARM §2.3). */
const PLAIN_RESPONSE_MODES = ['query', 'fragment', 'form_post'];
const JWT_RESPONSE_MODES = ['jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt'];

const DOCUMENT = Symbol('discovery document');

/**
 * OpenID Connect Discovery 1.0 and RFC 8414 metadata. Grant types and authentication
 * methods come from the registries, narrowed by the issuer's security profile, so the document
 * lists exactly what a client may use.
 */
@Controller('.well-known')
export class DiscoveryController {
  constructor(
    private readonly issuer: IssuerContext,
    private readonly profiles: SecurityProfiles,
    private readonly grants: GrantRegistry,
    private readonly authenticators: AuthenticatorRegistry,
    private readonly policies: AuthorizationPolicies,
    private readonly loginSteps: LoginSteps,
    private readonly config: GrantryConfig,
    private readonly decryptionKeys: DecryptionKeys,
  ) {}

  @Get('openid-configuration')
  @AnyOrigin()
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration(): Record<string, unknown> {
    return this.metadata();
  }

  @Get('oauth-authorization-server')
  @AnyOrigin()
  @Header('Cache-Control', 'public, max-age=300')
  authorizationServer(): Record<string, unknown> {
    return this.metadata();
  }

  /**
   * Built once per issuer, after the registries are filled (they do not change while running);
   * the request-object encryption algs are the held encryption keys', which an operator adds and deletes.
   */
  private metadata(): Record<string, unknown> {
    return { ...this.issuer.current.memoised(DOCUMENT, () => this.build()), ...this.requestObjectEncryption() };
  }

  private build(): Record<string, unknown> {
    const profile = this.profiles.current;
    const mtls = this.mtlsAvailable();
    // RFC 8705 §2: the certificate methods only where a client certificate can reach grantry.
    const authMethods = this.authenticators.methods.filter((method) => profile.allowsClientAuthMethod(method) && (mtls || !CERTIFICATE_AUTH_METHODS.has(method)));
    const authSigningAlgs = this.authenticators.signingAlgs.filter((alg) => profile.allowsSigningAlg(alg));
    const signingAlg = this.issuer.settings.token.signing_alg;
    const document: Record<string, unknown> = {
      issuer: this.issuer.issuer,
      token_endpoint: this.issuer.tokenEndpoint,
      jwks_uri: this.issuer.jwksUri,
      // RFC 7591 §3 / OIDC Discovery: where clients register themselves (initial access token unless open).
      registration_endpoint: `${this.issuer.issuer}/oauth2/register`,
      grant_types_supported: this.grantTypes(),
      token_endpoint_auth_methods_supported: authMethods,
      // RFC 9449 §5.1: the algorithms DPoP proofs may be signed with.
      dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
      ...(authSigningAlgs.length ? { token_endpoint_auth_signing_alg_values_supported: authSigningAlgs } : {}),
      // RFC 8414 §2: introspection and revocation authenticate clients through the same chain.
      introspection_endpoint: this.issuer.introspectionEndpoint,
      introspection_endpoint_auth_methods_supported: authMethods.filter((method) => method !== 'none'),
      // RFC 9701 §7: JWT introspection responses (Accept: application/token-introspection+jwt), as ID tokens are signed and encrypted.
      introspection_signing_alg_values_supported: [signingAlg],
      introspection_encryption_alg_values_supported: ENCRYPTION_ALGS,
      introspection_encryption_enc_values_supported: ENCRYPTION_ENCS,
      revocation_endpoint: this.issuer.revocationEndpoint,
      revocation_endpoint_auth_methods_supported: authMethods,
      ...(authSigningAlgs.length
        ? {
            introspection_endpoint_auth_signing_alg_values_supported: authSigningAlgs,
            revocation_endpoint_auth_signing_alg_values_supported: authSigningAlgs,
          }
        : {}),
      ...this.browserMetadata(),
      subject_types_supported: ['public', 'pairwise'],
      id_token_signing_alg_values_supported: [signingAlg],
      // OIDC Discovery §3: what a client may register for encrypted ID tokens and userinfo (one list with registration's).
      id_token_encryption_alg_values_supported: ENCRYPTION_ALGS,
      id_token_encryption_enc_values_supported: ENCRYPTION_ENCS,
      // OIDC Discovery §3: the alg a client gets signed userinfo with when it registers for it (as ID tokens).
      userinfo_signing_alg_values_supported: [signingAlg],
      userinfo_encryption_alg_values_supported: ENCRYPTION_ALGS,
      userinfo_encryption_enc_values_supported: ENCRYPTION_ENCS,
      userinfo_endpoint: `${this.issuer.issuer}/oauth2/userinfo`,
      scopes_supported: OIDC_SCOPES,
      claims_supported: OIDC_CLAIMS,
      // OIDC Core §5.5: `userinfo` and `id_token` members, `essential`, `value`/`values` for sub and acr.
      claims_parameter_supported: true,
      ...this.requestObjectMetadata(),
    };
    return mtls ? { ...document, ...mtlsMetadata(document) } : document;
  }

  /** Whether a client certificate can reach grantry: its own listener asks for one, or a trusted proxy forwards one. */
  private mtlsAvailable(): boolean {
    const tls = this.config.server.tls;
    return !!((tls?.cert && tls.client_ca) || (tls?.client_certificate_header && this.config.server.trusted_proxies.length));
  }

  /**
   * OIDC Discovery §3 / RFC 9101 §10.5: request objects — the algs a client's keys may sign them
   * with under the profile (`none` where it takes unsigned ones), and the JWE algs of the
   * encryption keys grantry holds (request-object.ts decrypts with those, today's JWE rules).
   */
  private requestObjectMetadata(): Record<string, unknown> {
    const settings = this.config.oauth.request_object;
    const policy = this.policies.policyFor(undefined);
    const profile = this.profiles.current;
    const signingAlgs = REQUEST_OBJECT_SIGNING_ALGS.filter((alg) => (alg === 'none' ? policy.requestObjects.unsigned : profile.allowsSigningAlg(alg)));
    return {
      request_parameter_supported: settings.request_parameter,
      request_uri_parameter_supported: settings.request_uri_parameter,
      require_request_uri_registration: settings.require_request_uri_registration,
      ...(settings.request_parameter || settings.request_uri_parameter
        ? {
            request_object_signing_alg_values_supported: signingAlgs,
          }
        : {}),
      // RFC 9101 §10.5: every authorization request must be a signed request object (FAPI 2 Message Signing).
      ...(policy.requestObjects.required ? { require_signed_request_object: true } : {}),
    };
  }

  private requestObjectEncryption(): Record<string, unknown> {
    const settings = this.config.oauth.request_object;
    const algs = [...this.decryptionKeys.algs];
    if (!algs.length || !(settings.request_parameter || settings.request_uri_parameter)) return {};
    return { request_object_encryption_alg_values_supported: algs, request_object_encryption_enc_values_supported: [...CONTENT_ENCRYPTION_ALGS] };
  }

  /**
   * RFC 8414 §2: the token endpoint's grant types, and `implicit` when the authorization endpoint
   * issues tokens itself (`[oauth.grant_type.implicit] enable`).
   */
  private grantTypes(): string[] {
    const implicit = [...this.policies.policyFor(undefined).responseTypes].some((type) => /\b(token|id_token)\b/.test(type));
    return implicit ? [...this.grants.grantTypes, 'implicit'] : this.grants.grantTypes;
  }

  /** The authorization endpoint's part: honest about what is enabled (no code flow, no authorization endpoint). */
  private browserMetadata(): Record<string, unknown> {
    const policy = this.policies.policyFor(undefined);
    const responseTypes = [...policy.responseTypes];
    if (!responseTypes.length) return { response_types_supported: [] };
    return {
      authorization_endpoint: `${this.issuer.issuer}/oauth2/authorize`,
      end_session_endpoint: `${this.issuer.issuer}/oauth2/logout`,
      response_types_supported: responseTypes,
      // JARM §2.3 / §4: every client may ask for its response as a JWT; under a profile that answers only in JWTs, nothing else.
      response_modes_supported: policy.jwtResponses ? JWT_RESPONSE_MODES : [...PLAIN_RESPONSE_MODES, ...JWT_RESPONSE_MODES],
      authorization_signing_alg_values_supported: [this.issuer.settings.token.signing_alg],
      authorization_encryption_alg_values_supported: ENCRYPTION_ALGS,
      authorization_encryption_enc_values_supported: ENCRYPTION_ENCS,
      code_challenge_methods_supported: policy.pkce.allowPlain ? ['S256', 'plain'] : ['S256'],
      // The acr values the enabled login steps declare (the password step's); a drop-in step's own are not known here.
      ...(this.loginSteps.acrValues.length ? { acr_values_supported: this.loginSteps.acrValues } : {}),
      authorization_response_iss_parameter_supported: true,
      // RFC 9126 §5: authenticated as at the token endpoint (the same chain).
      pushed_authorization_request_endpoint: this.issuer.parEndpoint,
      require_pushed_authorization_requests: policy.parRequired,
    };
  }
}

/** The endpoints a client certificate is presented to (RFC 8705 §5). */
const MTLS_ENDPOINTS = ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'userinfo_endpoint', 'pushed_authorization_request_endpoint'];

/**
 * RFC 8705 §3.3 and §5: certificate-bound access tokens, and where mTLS is served — the same URLs
 * (grantry's own listener, or the proxy in front of it, asks every connection for a certificate).
 */
function mtlsMetadata(document: Record<string, unknown>): Record<string, unknown> {
  const aliases = Object.fromEntries(MTLS_ENDPOINTS.filter((name) => typeof document[name] === 'string').map((name) => [name, document[name]]));
  return { tls_client_certificate_bound_access_tokens: true, mtls_endpoint_aliases: aliases };
}
