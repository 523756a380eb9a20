import { Injectable, Logger } from '@nestjs/common';
import type { JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
import { ClientsService } from '../../clients/clients.service';
import { RegisteredClient } from '../../clients/registered-client';
import { cacheSettings } from '../../common/cache-settings';
import { OAuthError } from '../../common/oauth-error';
import { GrantryConfig, ServerSettings } from '../../config/config.schema';
import { TruststoreService } from '../../keys/truststore.service';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';
import { checkClaims, checkHeader, decodeAssertion } from '../assertions/assertion-checks';
import { algAliases, candidateKeys } from '../assertions/jwk-selection';
import { RemoteJwks } from '../assertions/remote-jwks';
import { ReplayStore } from '../assertions/replay-store';
import { KeyImporter, verifiesWithAny, VerifyKey } from '../assertions/signature';
import { TokenRequest } from '../token/token-request';
import { JwtClientAuthProperties } from './jwt-client-auth.properties';

/** RFC 7523 §2.2 */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Descriptive failures are safe only once the signature proved the key holder; before, one generic answer. */
const failWith = (description: string) => OAuthError.invalidClient(description, description);

/**
 * Verifies a client assertion (RFC 7523 §3, OIDC Core §9) for private_key_jwt or
 * client_secret_jwt: structure, then the client and its keys, then the signature, then the
 * claims, and last — only when all else passed — the single-use `jti`.
 */
@Injectable()
export class ClientAssertionVerifier {
  private readonly logger = new Logger(ClientAssertionVerifier.name);
  private readonly remoteJwks: RemoteJwks;
  private readonly tokenEndpoint: string;
  private readonly issuer: string;
  private readonly keys = new KeyImporter();

  constructor(
    private readonly clients: ClientsService,
    private readonly truststore: TruststoreService,
    private readonly replay: ReplayStore,
    fetcher: OutboundFetcher,
    server: ServerSettings,
    config: GrantryConfig,
  ) {
    // WSO2 names the cache of private_key_jwt key material "PrivateKeyJWT".
    const { timeout, capacity } = cacheSettings(config, 'PrivateKeyJWT');
    this.remoteJwks = new RemoteJwks(fetcher, { maxTtlSeconds: timeout, capacity });
    this.issuer = server.base_url!;
    this.tokenEndpoint = `${this.issuer}/oauth2/token`;
  }

  /** Peeks at the header (no verification) so the chain can tell HMAC from public-key assertions. */
  static isHmacAssertion(request: TokenRequest): boolean {
    const header = request.param('client_assertion')?.split('.')[0];
    if (!header) return false;
    try {
      return /^HS\d+$/.test(JSON.parse(Buffer.from(header, 'base64url').toString('utf8')).alg);
    } catch {
      return false;
    }
  }

  async verify(request: TokenRequest, method: string, allowedAlgs: readonly string[], properties: JwtClientAuthProperties): Promise<RegisteredClient> {
    if (request.param('client_assertion_type') !== JWT_BEARER_ASSERTION_TYPE) {
      throw failWith(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`);
    }
    const assertion = request.param('client_assertion');
    if (!assertion) throw failWith('client_assertion is required');
    const { header, payload } = decodeAssertion(assertion, failWith);

    // RFC 7523 §3 items 1-2: iss and sub are both the client_id.
    if (typeof payload.iss !== 'string' || payload.iss !== payload.sub) throw failWith('assertion iss and sub must both be the client_id');
    const clientId = payload.iss;
    if (request.param('client_id') !== undefined && request.param('client_id') !== clientId) {
      throw failWith('client_id does not match the assertion');
    }
    const client = await this.clients.findForAuthentication(clientId);
    if (!client) throw OAuthError.invalidClient(`unknown client ${clientId}`);
    if (client.authMethod !== method) throw OAuthError.invalidClient(`client ${clientId} is registered for ${client.authMethod}, not ${method}`);

    const alg = checkHeader(header, client.authSigningAlg ? algAliases(client.authSigningAlg) : allowedAlgs, failWith);
    if (!(await verifiesWithAny(assertion, alg, this.verificationKeys(client, alg, header)))) {
      throw OAuthError.invalidClient(`assertion signature of client ${clientId} does not verify with any registered key`);
    }

    const skew = properties.TimestampSkewInSeconds;
    checkClaims(
      payload,
      {
        audiences: [this.tokenEndpoint, this.issuer, ...(properties.TokenEndpointAlias ? [properties.TokenEndpointAlias] : [])],
        skewSeconds: skew,
        maxLifetimeSeconds: properties.max_allowed_jwt_lifetime_seconds,
        maxIatAgeSeconds: properties.RejectBeforeInMinutes * 60,
        requireJti: properties.PreventTokenReuse,
      },
      failWith,
    );
    if (properties.PreventTokenReuse && !(await this.replay.consume(clientId, payload.jti!, (payload as Required<JWTPayload>).exp + skew))) {
      throw failWith('assertion jti has been used already');
    }
    return client;
  }

  /** Keys in the documented order: registered jwks, jwks_uri, truststore certificate aliased by client_id. */
  private async *verificationKeys(client: RegisteredClient, alg: string, header: ProtectedHeaderParameters): AsyncGenerator<VerifyKey> {
    if (alg.startsWith('HS')) {
      const secret = this.clients.revealSecret(client);
      if (secret) yield new TextEncoder().encode(secret);
      return;
    }
    if (header.x5c !== undefined) {
      // An x5c is accepted only as a pointer to the certificate pinned in the truststore.
      yield* this.pinnedCertificateKey(client, alg, header.x5c);
      return;
    }
    if (client.jwks) yield* this.keys.fromJwks(candidateKeys(client.jwks.keys as JWK[], header), alg);
    if (client.jwksUri) yield* this.keys.fromJwks(await this.fetchKeys(client, header), alg);
    const certificate = await this.truststore.find(client.clientId);
    if (certificate) yield* this.keys.fromCertificate(certificate, alg);
  }

  private async *pinnedCertificateKey(client: RegisteredClient, alg: string, x5c: unknown): AsyncGenerator<VerifyKey> {
    const certificate = await this.truststore.find(client.clientId);
    if (!certificate || !Array.isArray(x5c) || x5c[0] !== certificate.raw.toString('base64')) {
      throw failWith('assertion x5c does not match the certificate registered for this client');
    }
    yield* this.keys.fromCertificate(certificate, alg);
  }

  private async fetchKeys(client: RegisteredClient, header: ProtectedHeaderParameters): Promise<JWK[]> {
    try {
      return await this.remoteJwks.candidates(client.jwksUri!, header);
    } catch (error) {
      this.logger.warn(`jwks_uri of client ${client.clientId}: ${(error as Error).message}`);
      throw OAuthError.invalidClient(`jwks_uri of client ${client.clientId} could not be fetched: ${(error as Error).message}`);
    }
  }
}
