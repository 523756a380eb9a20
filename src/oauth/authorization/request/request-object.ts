import { Injectable } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { REQUEST_OBJECT_SIGNING_ALGS } from '../../../clients/client-metadata';
import type { RegisteredClient } from '../../../clients/registered-client';
import { IssuerContext } from '../../../common/issuer-context';
import { OAuthError, type ReasonCode } from '../../../common/oauth-error';
import { GrantryConfig } from '../../../config/config.schema';
import { algAliases, HMAC_ALGS } from '../../../keys/jwk-selection';
import type { AssertionJti } from '../../core/extension-points';
import { MAX_ASSERTION_BYTES } from '../../assertions/assertion-checks';
import { AssertionErrors, AssertionVerifier } from '../../assertions/assertion-verifier';
import { ClientKeySource } from '../../assertions/client-key-source';
import { SecurityProfiles } from '../../core/security-profiles';
import { JweDecrypter } from '../../jwe/jwe-decrypter';
import { looksLikeJwe } from '../../jwe/jwe-header';
import { JweRefusal } from '../../jwe/jwe-refusal';
import type { AuthorizationPolicy } from './authorization-request';

/** Signed algs a request object may use unless the client registered one. */
const SIGNED_ALGS = REQUEST_OBJECT_SIGNING_ALGS.filter((alg) => alg !== 'none');
/** The replay store's namespace of request-object `jti`s, apart from the client's assertion `jti`s. */
const JTI_NAMESPACE = 'request_object:';

/** A verified request object: its claims, and (signed, with a `jti`) the single use to record when the request is answered. */
export interface VerifiedRequestObject {
  claims: JWTPayload;
  jti?: AssertionJti;
}

function invalidRequestObject(description: string, reason: ReasonCode, detail?: string): OAuthError {
  return new OAuthError('invalid_request_object', description, 302, { reason, detail: detail ?? description });
}

/** Until the signature proves the client, one description for every failure; after it, the reason may show. */
const ERRORS: AssertionErrors = {
  unverified: (detail, reason) => invalidRequestObject('the request object is invalid or its signature does not verify', reason, detail),
  verified: (description, reason) => invalidRequestObject(description, reason),
};

/**
 * A request object (RFC 9101, OIDC Core §6.1): decrypted when it is a JWE addressed to grantry's
 * encryption keys (today's JWE rules: header checked before crypto, no PBES2, no `zip`), then
 * verified as the client's: signed with its registered keys (`jwks`, `jwks_uri`, its truststore
 * certificate — the key source of private_key_jwt) under the alg allow-list tied to the key,
 * or with its secret (HS*, OIDC Core §10.1: a client with a sealed secret, see `needsSealedSecret`),
 * narrowed to `request_object_signing_alg` when registered and to the security profile's algs;
 * `iss` = client_id, `aud` = this issuer, `exp` (required where the profile says so) within
 * `[oauth.request_object] max_lifetime`, `nbf`/`iat` not in the future. `alg: none` only where the
 * profile allows unsigned objects and the client registered no signing alg (or `none` itself).
 * Hands back the object's claims — which of them count is the resolver's merge — and its `jti`,
 * single-use: recorded in the replay store in the commit that answers the request (consumed last).
 */
@Injectable()
export class RequestObjects {
  constructor(
    private readonly verifier: AssertionVerifier,
    private readonly keySource: ClientKeySource,
    private readonly decrypter: JweDecrypter,
    private readonly context: IssuerContext,
    private readonly profiles: SecurityProfiles,
    private readonly config: GrantryConfig,
  ) {}

  async verify(token: string, client: RegisteredClient, policy: AuthorizationPolicy): Promise<VerifiedRequestObject> {
    const jws = looksLikeJwe(token) ? await this.decrypt(token) : token;
    if (Buffer.byteLength(jws) > MAX_ASSERTION_BYTES) throw invalidRequestObject(`the request object is larger than ${MAX_ASSERTION_BYTES} bytes`, 'assertion_malformed');
    const parts = jws.split('.');
    if (parts.length !== 3) throw invalidRequestObject('the request object is not a JWT (JWS compact serialization)', 'assertion_malformed');
    const alg = headerAlg(jws);
    if (alg === 'none') return { claims: this.unsigned(jws, parts[2], client, policy) };
    // OIDC Registration §2: a registered alg is the only one; `none` registered refuses every signed object.
    if (client.requestObjectSigningAlg === 'none') throw ERRORS.unverified(`client ${client.clientId} registered request_object_signing_alg none`, 'assertion_alg_not_allowed');
    const settings = this.config.oauth.request_object;
    const profile = this.profiles.forClient(client);
    const registered = client.requestObjectSigningAlg ? algAliases(client.requestObjectSigningAlg) : SIGNED_ALGS;
    const { payload } = await this.verifier.verify(
      jws,
      async (claims) => {
        // RFC 9101 §4 / OIDC Core §6.1: a signed object names its client as iss.
        if (claims.iss !== client.clientId) throw ERRORS.unverified('the request object iss is not the client_id', 'assertion_claims_invalid');
        return {
          // HMAC keys are the client's secret, which only a client keeping it sealed can be checked with.
          algs: profile.allowedSigningAlgs(registered.filter((candidate) => client.sealedSecret || !HMAC_ALGS.includes(candidate))),
          keys: (alg, header) => this.keySource.keys(client, alg, header),
          rules: {
            audiences: [this.context.issuer],
            skewSeconds: settings.clock_skew,
            maxLifetimeSeconds: settings.max_lifetime,
            maxLifetimeLabel: `[oauth.request_object] max_lifetime = ${settings.max_lifetime} s`,
            requireJti: false,
            requireExp: profile.requestObjectExpRequired,
            // Without exp, an object is taken at most max_lifetime after its iat (so its jti need not be kept longer).
            ...(claims.exp === undefined ? { maxIatAgeSeconds: settings.max_lifetime, maxIatAgeLabel: `[oauth.request_object] max_lifetime = ${settings.max_lifetime} s` } : {}),
          },
          x5cPinned: true,
        };
      },
      ERRORS,
    );
    // Without exp or iat an object would never grow old, and its jti could not be kept as long as it is usable.
    if (payload.exp === undefined && payload.iat === undefined) throw ERRORS.verified('a signed request object needs exp or iat', 'assertion_claims_invalid');
    if (profile.signedRequestObjectRequired) checkMessageSigningTimes(payload, settings.clock_skew);
    // jose's exp/iat checks are bounded by iat; an object without iat is bounded by nbf too.
    if (typeof payload.nbf === 'number' && typeof payload.exp === 'number' && payload.exp - payload.nbf > settings.max_lifetime) {
      throw ERRORS.verified(`the request object lifetime exceeds [oauth.request_object] max_lifetime = ${settings.max_lifetime} s`, 'assertion_lifetime_too_long');
    }
    if (payload.jti === undefined) return { claims: payload };
    // Kept while the object could be taken: until exp, or — without one — max_lifetime after iat (or now).
    const until = typeof payload.exp === 'number' ? payload.exp : (typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000)) + settings.max_lifetime;
    return { claims: payload, jti: { issuer: JTI_NAMESPACE + client.clientId, jti: payload.jti, expiresAt: until + settings.clock_skew } };
  }

  /** OIDC Core §6.1: an unsigned object (`alg: none`, empty signature) proves nothing, so it is taken only where allowed. */
  private unsigned(jws: string, signature: string, client: RegisteredClient, policy: AuthorizationPolicy): JWTPayload {
    if (signature !== '') throw ERRORS.unverified('alg none with a signature', 'assertion_malformed');
    if (!policy.requestObjects.unsigned) throw ERRORS.verified('unsigned request objects (alg none) are not allowed by the security profile', 'assertion_alg_not_allowed');
    if (client.requestObjectSigningAlg !== null && client.requestObjectSigningAlg !== 'none') {
      throw ERRORS.verified(`this client registered request_object_signing_alg ${client.requestObjectSigningAlg}: unsigned request objects are refused`, 'assertion_alg_not_allowed');
    }
    try {
      return decodeJwt(jws);
    } catch {
      throw ERRORS.unverified('the request object payload is not a JSON object', 'assertion_malformed');
    }
  }

  private async decrypt(jwe: string): Promise<string> {
    try {
      // OIDC Core §6.1: signed then encrypted (a nested JWT); `cty` is a SHOULD, so it is not demanded.
      const { plaintext } = await this.decrypter.decrypt(jwe);
      if (looksLikeJwe(plaintext)) throw invalidRequestObject('an encrypted request object must hold a JWT, not another JWE', 'assertion_jwe_refused');
      return plaintext;
    } catch (error) {
      if (error instanceof JweRefusal) throw invalidRequestObject(error.description, error.reason);
      throw error;
    }
  }
}

function headerAlg(jws: string): unknown {
  try {
    return decodeProtectedHeader(jws).alg;
  } catch {
    throw invalidRequestObject('the request object is not a well-formed JWT', 'assertion_malformed');
  }
}

/** FAPI 2.0 Message Signing §5.3.1: 60 minutes, for `nbf`'s age and for `exp - nbf`. */
const MESSAGE_SIGNING_WINDOW = 3600;

/**
 * FAPI 2.0 Message Signing §5.3.1 items 2-3: the object carries `nbf`, at most 60 minutes in the
 * past, and `exp`, at most 60 minutes after `nbf` — whatever `[oauth.request_object] max_lifetime` allows.
 */
function checkMessageSigningTimes(payload: JWTPayload, skew: number, now = Math.floor(Date.now() / 1000)): void {
  const { nbf, exp } = payload;
  if (typeof nbf !== 'number') throw ERRORS.verified('the request object has no nbf claim, which this server\'s security profile requires', 'assertion_claims_invalid');
  if (now - nbf > MESSAGE_SIGNING_WINDOW + skew) throw ERRORS.verified('the request object nbf is more than 60 minutes in the past', 'assertion_lifetime_too_long');
  if (typeof exp !== 'number' || exp - nbf > MESSAGE_SIGNING_WINDOW) throw ERRORS.verified('the request object must expire at most 60 minutes after its nbf', 'assertion_lifetime_too_long');
}
