import { Injectable } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import { cacheSettings } from '../../config/cache-settings';
import { OAuthError } from '../../common/oauth-error';
import { GrantryConfig } from '../../config/config.schema';
import { IssuerContext } from '../../common/issuer-context';
import { TruststoreService } from '../../keys/truststore.service';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';
import { checkHeader, decodeAssertion } from '../assertions/assertion-checks';
import { RemoteJwks } from '../assertions/remote-jwks';
import { KeyImporter, verifiesWithAny, VerifyKey } from '../assertions/signature';

/** Asymmetric algs only: a statement's issuer shares no secret with this server. */
const STATEMENT_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** Clock difference allowed for exp and nbf. */
const SKEW_SECONDS = 60;
/** Claims of a JWT itself, not client metadata. */
const JWT_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);

/**
 * RFC 7591 §2.3 software statements: a JWS from an issuer listed in `[oauth.registration]
 * software_statement_issuers` (a truststore alias, or an https JWKS URI fetched under the
 * outbound rules), checked with the codebase's assertion checks and signature verification.
 * Its claims are client metadata that take precedence over the request's.
 */
@Injectable()
export class SoftwareStatements {
  private readonly importer = new KeyImporter();
  private readonly remoteJwks: RemoteJwks;

  constructor(config: GrantryConfig, private readonly truststore: TruststoreService, fetcher: OutboundFetcher, private readonly context: IssuerContext) {
    const { timeout, capacity } = cacheSettings(config, 'IdentityProviderJwks', { timeout: 3600 }) // issuers' key sets age like identity providers';
    const { jwks_refetch_cooldown, jwks_stale_if_error } = config.oauth.outbound;
    this.remoteJwks = new RemoteJwks(fetcher, {
      maxTtlSeconds: timeout,
      minTtlSeconds: Math.min(60, timeout),
      capacity,
      refetchCooldownSeconds: jwks_refetch_cooldown,
      staleIfErrorSeconds: jwks_stale_if_error,
      // Trusted issuers are a tenant's settings: each tenant keeps its own sets and failures.
      scope: () => context.tenant,
    });
  }

  /** The metadata the statement asserts (JWT claims removed); refused as RFC 7591 §3.2.2 says. */
  async verify(statement: unknown): Promise<Record<string, unknown>> {
    const invalid = (description: string) => new OAuthError('invalid_software_statement', description);
    if (typeof statement !== 'string') throw invalid('software_statement must be a JWT');
    const { header, payload } = decodeAssertion(statement, (description) => invalid(description.replace(/^assertion/, 'software statement')));
    const alg = checkHeader(header, STATEMENT_ALGS, (description) => invalid(description.replace(/^assertion/, 'software statement')));
    checkTimes(payload, invalid);
    if (typeof payload.iss !== 'string' || !payload.iss) throw invalid('software statement has no iss claim');
    // Each listed issuer signs for one iss only: a key trusted for one publisher cannot speak for another.
    const issuers = this.context.settings.registration.software_statement_issuers.filter((entry) => boundIssuer(entry) === payload.iss);
    if (!issuers.length || !(await verifiesWithAny(statement, alg, this.trustedKeys(issuers, alg, header)))) {
      // Signed, but by no key this server trusts for statements.
      throw new OAuthError('unapproved_software_statement', `software statement of ${JSON.stringify(payload.iss)} is not signed by a trusted issuer`);
    }
    return Object.fromEntries(Object.entries(payload).filter(([claim]) => !JWT_CLAIMS.has(claim)));
  }

  private async *trustedKeys(issuers: readonly string[], alg: string, header: { alg?: string; kid?: string }): AsyncGenerator<VerifyKey> {
    for (const issuer of issuers) {
      try {
        if (/^https?:\/\//i.test(issuer)) yield* this.importer.fromJwks(await this.remoteJwks.candidates(issuer, header), alg);
        else {
          const certificate = await this.truststore.find(issuer);
          if (certificate) yield* this.importer.fromCertificate(certificate, alg);
        }
      } catch {
        // One issuer's unreachable JWKS or expired certificate does not hide the others.
      }
    }
  }
}

/**
 * The `iss` an entry of `software_statement_issuers` may sign for: a truststore alias signs as
 * itself, a JWKS URI as its origin (`https://publisher.example/keys.json` → `https://publisher.example`).
 */
function boundIssuer(entry: string): string {
  return /^https?:\/\//i.test(entry) && URL.canParse(entry) ? new URL(entry).origin : entry;
}

function checkTimes(payload: JWTPayload, invalid: (description: string) => OAuthError): void {
  const now = Math.floor(Date.now() / 1000);
  if (payload.exp !== undefined && (typeof payload.exp !== 'number' || payload.exp + SKEW_SECONDS <= now)) throw invalid('software statement has expired');
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf - SKEW_SECONDS > now)) throw invalid('software statement is not yet valid');
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat - SKEW_SECONDS > now)) throw invalid('software statement iat is in the future');
}
