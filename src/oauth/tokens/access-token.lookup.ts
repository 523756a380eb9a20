import { timingSafeEqual } from 'node:crypto';
import type { ClientCertificate } from '../../common/connection/client-certificate';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { PresentedToken } from '../../common/access-token-extractor';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError, type OAuthErrorOptions } from '../../common/oauth-error';
import { nowSeconds } from '../../database/columns';
import { KeyedRead } from '../../database/keyed-read';
import { KeyRing } from '../../keys/key-ring';
import { senderConstraintOf } from '../core/sender-constraint';
import { presentationRefusal } from '../dpop/dpop-presentation';
import { GrantRecords } from '../grant-records/grant-records';
import { AccessTokenKey, isJwt, verifyJwtAccessToken } from './access-token-verification';
import { OpaqueAccessToken } from './opaque-token.entity';
import { RevokedAccessToken } from './revoked-access-token.entity';
import { hashToken } from './token-hash';
import type { AccessTokenInfo } from './access-token-info';

export type { AccessTokenInfo };

/**
 * Verifies grantry's own access tokens, JWT or opaque (admin API, plugins, later introspection
 * and userinfo). A token issued under a grant record is active only while its grant is: the
 * grant is the deny-list of its JWTs.
 */
@Injectable()
export class AccessTokenLookup {
  private readonly opaqueByHash: KeyedRead<OpaqueAccessToken, 'tokenHash' | 'tenant'>;
  private readonly revokedByJti: KeyedRead<RevokedAccessToken, 'tenant' | 'jti'>;

  constructor(
    private readonly keyRing: KeyRing,
    private readonly context: IssuerContext,
    private readonly grants: GrantRecords,
    @InjectRepository(OpaqueAccessToken) opaqueTokens: Repository<OpaqueAccessToken>,
    @InjectRepository(RevokedAccessToken) denyList: Repository<RevokedAccessToken>,
  ) {
    this.opaqueByHash = new KeyedRead(opaqueTokens, ['tokenHash', 'tenant']);
    this.revokedByJti = new KeyedRead(denyList, ['tenant', 'jti']);
  }

  /** The token's facts, or undefined when it is not an active token of this server. */
  async find(token: string): Promise<AccessTokenInfo | undefined> {
    const info = isJwt(token) ? await this.findJwt(token) : await this.findOpaque(token);
    if (!info) return undefined;
    if (info.grantId !== undefined) return (await this.grants.isActive(info.grantId)) ? info : undefined;
    // A JWT of no grant (client_credentials) is revoked by its jti, until its exp.
    if (info.jti !== undefined && (await this.revokedByJti.exists({ tenant: this.context.tenant, jti: info.jti }))) return undefined;
    return info;
  }

  /**
   * The token a protected endpoint was presented (`presentedAccessToken`), when it is active and
   * may be used as it was presented; 401 invalid_token otherwise. RFC 9449 §7: a DPoP-bound token
   * only in the DPoP scheme with a proof of its key (`possession.provenJkt`, checked by the
   * endpoint's `DpopProofs`); RFC 8705 §3: a certificate-bound one only over a connection with that
   * certificate (`possession.certificate`). `challenge`: the schemes (and DPoP algs) a refusal challenges with.
   */
  async findPresented(
    presented: PresentedToken,
    possession: { provenJkt?: string; certificate?: ClientCertificate } = {},
    challenge: Pick<OAuthErrorOptions, 'schemes' | 'dpopAlgs'> = {},
  ): Promise<AccessTokenInfo> {
    const info = await this.find(presented.token);
    if (!info) throw OAuthError.invalidToken(undefined, { ...challenge, detail: 'token not active' });
    const constraint = info.senderConstraint;
    const { certificate } = possession;
    if (constraint.kind === 'mtls' && presented.scheme === 'Bearer' && certificate !== undefined && certificateMatches(constraint.x5tS256, certificate.x5tS256)) return info;
    const refusal = presentationRefusal(constraint, presented.scheme, possession.provenJkt);
    if (refusal) throw OAuthError.invalidToken(undefined, { ...challenge, detail: `token of client ${info.clientId}: ${refusal}`, ...(presented.scheme === 'DPoP' ? { reason: 'dpop_key_mismatch' as const } : {}) });
    return info;
  }

  /** Through the checks every consumer of grantry's access tokens shares (typ, alg tied to the key, iss, claims). */
  private async findJwt(token: string): Promise<AccessTokenInfo | undefined> {
    try {
      const principal = await verifyJwtAccessToken(token, (header) => this.keysFor(header.kid), { issuer: this.context.issuer });
      return { ...principal, format: 'jwt' };
    } catch {
      return undefined;
    }
  }

  private async keysFor(kid: string | undefined): Promise<AccessTokenKey[]> {
    if (kid === undefined) return [];
    let key = this.keyRing.verificationKey(kid);
    if (!key) {
      // A key rotated in by another instance since our last refresh.
      await this.keyRing.refreshForUnknownKid();
      key = this.keyRing.verificationKey(kid);
    }
    return key ? [{ key: key.key, algs: [key.alg] }] : [];
  }

  private async findOpaque(token: string): Promise<AccessTokenInfo | undefined> {
    if (token.length > 512) return undefined;
    const row = await this.opaqueByHash.one({ tokenHash: hashToken(token), tenant: this.context.tenant });
    if (!row || row.revokedAt !== null || row.expiresAt <= nowSeconds()) return undefined;
    return {
      clientId: row.clientId,
      subject: row.subject,
      scopes: row.scope.split(' ').filter(Boolean),
      audience: row.audience,
      expiresAt: row.expiresAt,
      issuedAt: row.createdAt,
      claims: row.claims as Record<string, unknown>,
      grantId: row.grantId ?? undefined,
      format: 'opaque',
      tokenHash: row.tokenHash,
      senderConstraint: senderConstraintOf(row.cnf),
    };
  }
}

/** Constant-time comparison of two base64url SHA-256 thumbprints. */
function certificateMatches(bound: string, presented: string): boolean {
  const a = Buffer.from(bound);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
