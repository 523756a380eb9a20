import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { logLine, logText } from '../common/log-text';
import {
  AccessTokenHeader,
  AccessTokenKey,
  AccessTokenPrincipal,
  AccessTokenRejected,
  isJwt,
  principalFromClaims,
  verifyJwtAccessToken,
} from '../oauth/tokens/access-token-verification';
import { presentationRefusal } from '../oauth/dpop/dpop-presentation';
import { AuthorityKeys } from './authority-keys';
import { BearerTokenError } from './bearer-token.error';
import { BoundedFetch, FetchFailed } from './bounded-fetch';
import { CertificateKeys } from './certificate-keys';
import { IntrospectionClient } from './introspection.client';
import { CheckedOptions, RESOURCE_SERVER_OPTIONS } from './resource-server.options';

/** Longer than any access token grantry issues; refused before any parsing. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Decides whether a bearer token is an access token for this API, and whose. JWTs are verified
 * offline with the shared access-token checks (typ at+jwt, alg allow-list tied to the key,
 * signature, iss, aud, exp, nbf, an iat not in the future, required claims) against the
 * authority's JWKS or the configured certificates; opaque tokens only by RFC 7662 introspection.
 *
 * Revocation: grantry's JWT access tokens are not stored, so offline verification cannot see a
 * revocation — a revoked JWT is accepted until its `exp` unless introspection is configured with
 * `mode: 'always'` (the default when introspection is configured), which asks grantry for every
 * JWT too. Keep `access_token_ttl` short otherwise.
 *
 * Usable without the guard (WebSocket, GraphQL, queues): `verify` throws a BearerTokenError.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly logger = new Logger('ResourceServer');
  private readonly issuer: string;
  private readonly authority?: AuthorityKeys;
  private readonly certificates?: CertificateKeys;
  private readonly introspection?: IntrospectionClient;

  constructor(@Inject(RESOURCE_SERVER_OPTIONS) private readonly options: CheckedOptions) {
    const fetcher = new BoundedFetch(options.allowInsecureHttp);
    if (options.authority) {
      // At most one line per failed fetch, so at most one per jwksRefetchCooldown.
      this.authority = new AuthorityKeys(options.authority, fetcher, (message) => this.logger.warn(logLine(`fetching from the authority failed: ${message}`)));
      this.issuer = options.authority.issuer ?? options.authority.url;
    } else {
      this.certificates = new CertificateKeys(options.certificate!.files);
      this.issuer = options.certificate!.issuer;
    }
    if (options.introspection) {
      this.introspection = new IntrospectionClient(options.introspection, () => this.introspectionEndpoint(), fetcher);
    }
  }

  get realm(): string {
    return this.options.realm;
  }

  /** `clientCertificateHeader`: where a TLS-terminating proxy forwards the client certificate. */
  get clientCertificateHeader(): string | undefined {
    return this.options.clientCertificateHeader;
  }

  /** The `dpop` options, when DPoP-bound tokens are taken. */
  get dpopOptions(): CheckedOptions['dpop'] {
    return this.options.dpop;
  }

  /**
   * The principal of a bearer token — or, with `possession.dpop`, of a DPoP-bound token whose
   * `cnf.jkt` is the key the request's proof was signed with (checked by the guard) —; a
   * BearerTokenError (401 invalid_token, or 503 when grantry cannot be asked) otherwise. A
   * sender-constrained token (`cnf`) presented as a bearer token is refused unless the request
   * proves possession: a certificate-bound one with `possession.certificateThumbprint` (the
   * request's TLS client certificate, RFC 8705 §3) equal to its `x5t#S256`; a DPoP-bound one only
   * in the DPoP scheme (RFC 9449 §7.2).
   */
  async verify(token: string, possession: { dpop?: { jkt: string }; certificateThumbprint?: string } = {}): Promise<AccessTokenPrincipal> {
    try {
      const principal = await this.verifyToken(token);
      const constraint = principal.senderConstraint;
      const { dpop, certificateThumbprint } = possession;
      // RFC 8705 §3: a certificate-bound token over a connection with that certificate.
      if (!dpop && constraint.kind === 'mtls' && certificateThumbprint !== undefined && sameThumbprint(constraint.x5tS256, certificateThumbprint)) return principal;
      const refusal = presentationRefusal(constraint, dpop ? 'DPoP' : 'Bearer', dpop?.jkt);
      if (refusal) throw new AccessTokenRejected(refusal);
      return principal;
    } catch (error) {
      if (error instanceof BearerTokenError) throw error;
      if (error instanceof AccessTokenRejected) {
        this.logger.debug(`refused an access token: ${logText(error.message)}`);
        throw BearerTokenError.invalidToken(this.realm, error.message);
      }
      // Discovery, JWKS or introspection failed: we cannot tell, which is not the token's fault.
      const reason = error instanceof FetchFailed ? error.message : `${(error as Error)?.name}: ${(error as Error)?.message}`;
      this.logger.warn(logLine(`cannot check an access token: ${reason}`));
      throw BearerTokenError.unavailable(reason);
    }
  }

  private async verifyToken(token: string): Promise<AccessTokenPrincipal> {
    if (token.length > MAX_TOKEN_LENGTH) throw new AccessTokenRejected(`longer than ${MAX_TOKEN_LENGTH} characters`);
    if (!isJwt(token)) return this.verifyOpaque(token);
    const principal = await verifyJwtAccessToken(token, (header) => this.resolveKeys(header), {
      issuer: this.issuer,
      audience: this.options.audience,
      algorithms: this.options.algorithms,
      clockTolerance: this.options.clockTolerance,
    });
    if (this.introspection && this.options.introspection!.mode === 'always' && !(await this.introspection.introspect(token))) {
      throw new AccessTokenRejected(`introspection: the token of client ${principal.clientId} is not active (revoked)`);
    }
    return principal;
  }

  private resolveKeys(header: AccessTokenHeader): Promise<AccessTokenKey[]> {
    return this.authority ? this.authority.resolve(header) : this.certificates!.resolve(header);
  }

  /** RFC 7662: the answer stands in for the token's claims, and gets the checks a JWT's would. */
  private async verifyOpaque(token: string): Promise<AccessTokenPrincipal> {
    if (!this.introspection) throw new AccessTokenRejected('an opaque token, and introspection is not configured');
    const answer = await this.introspection.introspect(token);
    if (!answer) throw new AccessTokenRejected('introspection: the token is not active');
    const principal = principalFromClaims(answer, this.issuer);
    const now = Date.now() / 1000;
    const leeway = this.options.clockTolerance;
    if (principal.issuer !== this.issuer) throw new AccessTokenRejected(`introspection: iss ${principal.issuer} is not ${this.issuer}`);
    if (!principal.audience.some((aud) => this.options.audience.includes(aud))) throw new AccessTokenRejected('introspection: aud does not name this API');
    if (principal.expiresAt <= now - leeway) throw new AccessTokenRejected('introspection: expired');
    if (typeof answer.nbf === 'number' && answer.nbf > now + leeway) throw new AccessTokenRejected('introspection: not valid yet (nbf)');
    if (principal.issuedAt !== undefined && principal.issuedAt > now + leeway) throw new AccessTokenRejected('introspection: iat is in the future');
    // A refresh token (grantry answers token_type refresh_token) is never a credential for an API.
    // A DPoP-bound one is introspected as token_type DPoP (RFC 9449 §6.2); its cnf decides how it may be presented.
    if (answer.token_type !== undefined && !['bearer', 'dpop'].includes(String(answer.token_type).toLowerCase())) throw new AccessTokenRejected('introspection: not an access token');
    return principal;
  }

  private async introspectionEndpoint(): Promise<string> {
    const configured = this.options.introspection?.endpoint;
    if (configured) return configured;
    const { introspectionEndpoint } = await this.authority!.discover();
    if (!introspectionEndpoint) throw new FetchFailed(`${this.options.authority!.url}: discovery advertises no introspection_endpoint; set introspection.endpoint`);
    return introspectionEndpoint;
  }
}

function sameThumbprint(bound: string, presented: string): boolean {
  const a = Buffer.from(bound);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
