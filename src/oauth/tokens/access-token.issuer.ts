import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { Repository } from 'typeorm';
import type { RegisteredClient } from '../../clients/registered-client';
import { ServerSettings, TokenSettings } from '../../config/config.schema';
import { nowSeconds } from '../../database/columns';
import { KeyRing } from '../../keys/key-ring';
import { OpaqueAccessToken } from './opaque-token.entity';
import { REGISTERED_CLAIMS } from './registered-claims';
import { hashToken } from './token-hash';

export interface AccessTokenGrant {
  client: RegisteredClient;
  subject: string;
  scopes: string[];
  audience: string[];
  claims?: Record<string, unknown>;
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
}


/**
 * Mints access tokens: JWTs per RFC 9068 (nothing written: the hot path stays I/O-free) or
 * opaque random values stored hashed. The client's `access_token_format` overrides the default.
 */
@Injectable()
export class AccessTokenIssuer {
  private readonly issuer: string;

  constructor(
    private readonly keyRing: KeyRing,
    private readonly settings: TokenSettings,
    server: ServerSettings,
    @InjectRepository(OpaqueAccessToken) private readonly opaqueTokens: Repository<OpaqueAccessToken>,
  ) {
    this.issuer = server.base_url!;
  }

  async issue(grant: AccessTokenGrant): Promise<IssuedAccessToken> {
    const format = grant.client.accessTokenFormat ?? this.settings.format;
    const expiresIn = this.settings.access_token_ttl;
    const token = format === 'opaque' ? await this.issueOpaque(grant, expiresIn) : await this.issueJwt(grant, expiresIn);
    return { token, expiresIn };
  }

  private async issueJwt({ client, subject, scopes, audience, claims }: AccessTokenGrant, ttl: number): Promise<string> {
    const signer = this.keyRing.signer(this.settings.signing_alg);
    if (!signer) throw new Error(`no active ${this.settings.signing_alg} signing key`);
    const iat = nowSeconds();
    const payload: Record<string, unknown> = {
      ...withoutRegistered(claims),
      iss: this.issuer,
      sub: subject,
      aud: audience.length === 1 ? audience[0] : audience,
      exp: iat + ttl,
      iat,
      jti: randomBytes(16).toString('base64url'),
      client_id: client.clientId,
    };
    if (scopes.length) payload.scope = scopes.join(' ');
    // RFC 9068 §2.1: typ "at+jwt" tells access tokens apart from ID tokens and other JWTs.
    return new SignJWT(payload).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'at+jwt' }).sign(signer.key);
  }

  private async issueOpaque({ client, subject, scopes, audience, claims }: AccessTokenGrant, ttl: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = nowSeconds();
    const row: OpaqueAccessToken = {
      tokenHash: hashToken(token),
      tenant: client.tenant,
      clientId: client.clientId,
      subject,
      scope: scopes.join(' '),
      audience,
      claims: withoutRegistered(claims),
      expiresAt: now + ttl,
      createdAt: now,
      revokedAt: null,
    };
    await this.opaqueTokens.insert(row);
    return token;
  }
}

const NO_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({});

function withoutRegistered(claims: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!claims) return NO_CLAIMS;
  const rest = { ...claims };
  for (const name of REGISTERED_CLAIMS) delete rest[name];
  return rest;
}

