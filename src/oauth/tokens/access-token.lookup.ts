import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { Repository } from 'typeorm';
import { ServerSettings, SIGNING_ALGS } from '../../config/config.schema';
import { nowSeconds } from '../../database/columns';
import { KeyRing } from '../../keys/key-ring';
import { OpaqueAccessToken } from './opaque-token.entity';
import { hashToken } from './token-hash';

/** What an access token of this server says, once verified. */
export interface AccessTokenInfo {
  clientId: string;
  subject: string;
  scopes: string[];
  audience: string[];
  expiresAt: number;
  issuedAt: number;
  claims: Record<string, unknown>;
}

/** Verifies grantry's own access tokens, JWT or opaque (admin API, later introspection and userinfo). */
@Injectable()
export class AccessTokenLookup {
  private readonly issuer: string;

  constructor(
    private readonly keyRing: KeyRing,
    server: ServerSettings,
    @InjectRepository(OpaqueAccessToken) private readonly opaqueTokens: Repository<OpaqueAccessToken>,
  ) {
    this.issuer = server.base_url!;
  }

  /** The token's facts, or undefined when it is not an active token of this server. */
  async find(token: string): Promise<AccessTokenInfo | undefined> {
    return token.split('.').length === 3 ? this.findJwt(token) : this.findOpaque(token);
  }

  private async findJwt(token: string): Promise<AccessTokenInfo | undefined> {
    try {
      const { kid } = decodeProtectedHeader(token);
      let key = kid ? this.keyRing.verificationKey(kid) : undefined;
      if (!key && kid) {
        // A key rotated in by another instance since our last refresh.
        await this.keyRing.refreshForUnknownKid();
        key = this.keyRing.verificationKey(kid);
      }
      if (!key) return undefined;
      const { payload } = await jwtVerify(token, key.key, {
        issuer: this.issuer,
        typ: 'at+jwt',
        algorithms: [key.alg].filter((alg) => (SIGNING_ALGS as readonly string[]).includes(alg)),
        requiredClaims: ['sub', 'exp', 'iat', 'client_id'],
      });
      return {
        clientId: String(payload.client_id),
        subject: payload.sub!,
        scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
        audience: payload.aud === undefined ? [] : ([] as string[]).concat(payload.aud),
        expiresAt: payload.exp!,
        issuedAt: payload.iat!,
        claims: payload as Record<string, unknown>,
      };
    } catch {
      return undefined;
    }
  }

  private async findOpaque(token: string): Promise<AccessTokenInfo | undefined> {
    if (token.length > 512) return undefined;
    const row = await this.opaqueTokens.findOneBy({ tokenHash: hashToken(token) });
    if (!row || row.revokedAt !== null || row.expiresAt <= nowSeconds()) return undefined;
    return {
      clientId: row.clientId,
      subject: row.subject,
      scopes: row.scope.split(' ').filter(Boolean),
      audience: row.audience,
      expiresAt: row.expiresAt,
      issuedAt: row.createdAt,
      claims: row.claims as Record<string, unknown>,
    };
  }
}
