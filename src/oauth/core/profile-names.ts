import { isProfileName, PROFILE_NAMES, type PkceSettings, type ProfileName } from '../../config/config.schema';
import { baselineProfile, SecurityProfile } from './security-profile';

export { isProfileName, PROFILE_NAMES, type ProfileName };

/** Whether `name` demands at least what `than` demands (the order of PROFILE_NAMES). */
export function atLeastAsStrict(name: ProfileName, than: ProfileName): boolean {
  return PROFILE_NAMES.indexOf(name) >= PROFILE_NAMES.indexOf(than);
}

/**
 * FAPI 2.0 Security Profile (final, §5): PAR, PKCE S256, confidential clients authenticated by
 * private_key_jwt or mutual TLS, sender-constrained access tokens, PS256/ES256/EdDSA only, the
 * code flow only, request objects' own parameters only (RFC 9101 §6.3), the issuer as a client
 * assertion's only audience, `iat`/`nbf` 10 s in the future accepted and more than 60 s refused,
 * codes that live 60 s at most, refresh tokens of confidential clients not rotated, and DPoP
 * server nonces.
 */
const FAPI2_SECURITY = {
  pkce: { required: true, allowPlain: false },
  responseTypes: ['code'],
  clientAuthMethods: ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'],
  signingAlgs: ['PS256', 'ES256', 'EdDSA'],
  parRequired: true,
  senderConstraintRequired: true,
  dpopNonceRequired: true,
  unsignedRequestObjects: false,
  requestObjectParams: 'object',
  // FAPI 2.0 Message Signing §5.3.1 (RFC 9101 §10.2): a request object, when one is sent, carries exp.
  requestObjectExpRequired: true,
  issuerAudienceOnly: true,
  futureSkew: { min: 10, max: 60 },
  maxCodeLifetime: 60,
  refreshTokenRotation: 'public',
} as const;

/** The profile of `name`; `baseline` is the deployment's `[oauth.pkce]` as configured. */
export function profileNamed(name: ProfileName, pkce: PkceSettings): SecurityProfile {
  switch (name) {
    case 'baseline':
      return baselineProfile(pkce);
    case 'fapi2-security':
      return new SecurityProfile({ name, ...FAPI2_SECURITY });
    case 'fapi2-message-signing':
      // FAPI 2.0 Message Signing §5.3-5.4: the security profile, signed requests, signed responses.
      // Signed introspection responses (§5.5, RFC 9701) are served to every client that asks.
      return new SecurityProfile({ name, ...FAPI2_SECURITY, signedRequestObjectRequired: true, jwtAuthorizationResponses: true });
  }
}
