import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import { IssuerContext } from '../../common/issuer-context';
import { logValue } from '../../common/log-text';
import { CLIENT_AUTHENTICATION_FAILED, OAuthError } from '../../common/oauth-error';
import { AssertionErrors, AssertionVerifier } from '../assertions/assertion-verifier';
import { algAliases } from '../../keys/jwk-selection';
import { ClientKeySource } from '../assertions/client-key-source';
import { AuthenticatedClient } from '../core/extension-points';
import { ClientRequest } from '../core/client-request';
import { SecurityProfiles } from '../core/security-profiles';
import { claimLimits, JwtClientAuthProperties } from './jwt-client-auth.properties';

/** RFC 7523 §2.2 */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const hmacAssertions = new WeakMap<ClientRequest, boolean>();

function peekHmac(assertion: string | undefined): boolean {
  const header = assertion?.split('.', 1)[0];
  if (!header) return false;
  try {
    return /^HS\d+$/.test(JSON.parse(Buffer.from(header, 'base64url').toString('utf8')).alg);
  } catch {
    return false;
  }
}

/** Until the signature proves the key holder every failure reads the same; after it, the reason may show. */
const ERRORS: AssertionErrors = {
  unverified: (detail, reason) => OAuthError.invalidClient(CLIENT_AUTHENTICATION_FAILED, { detail, reason }),
  verified: (description, reason) => OAuthError.invalidClient(description, { detail: description, reason }),
};

/**
 * Client assertions (RFC 7523 §3, OIDC Core §9) for private_key_jwt and client_secret_jwt,
 * through the shared assertion pipeline: the signer is the client named by `iss` = `sub`,
 * registered for this method; its `jti` is handed back for the endpoint to consume last.
 */
@Injectable()
export class ClientAssertionVerifier {
  constructor(
    private readonly clients: ClientsService,
    private readonly keySource: ClientKeySource,
    private readonly verifier: AssertionVerifier,
    private readonly context: IssuerContext,
    private readonly profiles: SecurityProfiles,
  ) {}

  /**
   * Peeks at the header (no verification) so the chain can tell HMAC from public-key assertions.
   * Every authenticator asks; the answer is worked out once per request.
   */
  static isHmacAssertion(request: ClientRequest): boolean {
    // Most requests carry no assertion: answered without the WeakMap (a set per request shows in profiles).
    if (request.param('client_assertion') === undefined) return false;
    let hmac = hmacAssertions.get(request);
    if (hmac === undefined) hmacAssertions.set(request, (hmac = peekHmac(request.param('client_assertion'))));
    return hmac;
  }

  async verify(
    request: ClientRequest,
    method: string,
    allowedAlgs: readonly string[],
    properties: JwtClientAuthProperties,
    limits: ReturnType<typeof claimLimits>,
  ): Promise<AuthenticatedClient> {
    if (request.param('client_assertion_type') !== JWT_BEARER_ASSERTION_TYPE) {
      throw ERRORS.unverified(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`, 'client_credentials_malformed');
    }
    const assertion = request.param('client_assertion');
    if (!assertion) throw ERRORS.unverified('client_assertion is required', 'client_credentials_malformed');

    const { signer, consume } = await this.verifier.verify(
      assertion,
      async (payload) => {
        // RFC 7523 §3 items 1-2: iss and sub are both the client_id.
        if (typeof payload.iss !== 'string' || payload.iss !== payload.sub) throw ERRORS.unverified('assertion iss and sub must both be the client_id', 'assertion_claims_invalid');
        const clientId = payload.iss;
        if (request.param('client_id') !== undefined && request.param('client_id') !== clientId) {
          throw ERRORS.unverified('client_id does not match the assertion', 'client_id_mismatch');
        }
        const client = await this.clients.findForAuthentication(clientId);
        if (!client) throw ERRORS.unverified(`unknown client ${logValue(clientId, 32)}`, 'client_unknown');
        if (client.authMethod !== method) throw ERRORS.unverified(`client ${clientId} is registered for ${client.authMethod}, not ${method}`, 'client_auth_method_mismatch');
        const profile = this.profiles.forClient(client);
        return {
          client,
          // The security profile narrows the verifier's algs (FAPI 2: PS256, ES256, EdDSA); baseline keeps them.
          algs: profile.allowedSigningAlgs(client.authSigningAlg ? algAliases(client.authSigningAlg) : allowedAlgs),
          keys: (alg, header) => this.keySource.keys(client, alg, header),
          rules: {
            // RFC 9126 §2: the PAR endpoint's URL is an audience too (the same chain authenticates there);
            // FAPI 2 takes the issuer alone, as a string.
            audiences: profile.issuerAudienceOnly
              ? [this.context.issuer]
              : [this.context.tokenEndpoint, this.context.issuer, this.context.parEndpoint, ...(properties.TokenEndpointAlias ? [properties.TokenEndpointAlias] : [])],
            audienceAsString: profile.issuerAudienceOnly,
            skewSeconds: properties.TimestampSkewInSeconds,
            futureSkewSeconds: profile.futureSkewSeconds(properties.TimestampSkewInSeconds),
            ...limits,
            requireJti: properties.PreventTokenReuse,
          },
          replayIssuer: properties.PreventTokenReuse ? clientId : undefined,
          // A private_key_jwt x5c may name the truststore certificate aliased by the client_id (ClientKeySource compares them).
          x5cPinned: method === 'private_key_jwt',
        };
      },
      ERRORS,
    );
    return { client: signer.client, consume: consume ? [consume] : undefined };
  }
}
