import { Injectable } from '@nestjs/common';
import { randomToken } from '../../common/random-pool';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import type { SigningAlg } from '../../config/config.schema';
import type { WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import { KeyRing } from '../../keys/key-ring';
import type { Principal } from '../core/extension-points';
import { confirmationOf, tokenTypeOf, type SenderConstraint, type TokenType } from '../core/sender-constraint';
import { REGISTERED_CLAIMS } from '../../common/registered-claims';
import { hashToken } from './token-hash';

export interface AccessTokenGrant {
  client: RegisteredClient;
  principal: Principal;
  scopes: string[];
  audience: string[];
  claims?: Record<string, unknown>;
  /** The grant record the token belongs to (`gid`), so revoking the grant reaches it. */
  grantId?: string;
  /** Name of the identity provider that vouched (`idp`). */
  identityProvider?: string;
  /** Epoch seconds the token must not outlive. */
  notAfter?: number;
  /** What the token is bound to: its `cnf` (RFC 7800), and its `token_type`. */
  senderConstraint: SenderConstraint;
}

export interface IssuedAccessToken {
  token: string;
  /** RFC 6749 §7.1: how the client presents it, from its binding. */
  tokenType: TokenType;
  expiresIn: number;
  /** For an opaque token: the statement that stores it, committed with the rest of the request. */
  step?: WriteStep;
  /** A JWT's `jti` (for the audit trail). */
  jti?: string;
}

/**
 * Mints access tokens: JWTs per RFC 9068 (nothing written: the hot path stays I/O-free) or
 * opaque random values stored hashed. The client's `access_token_format` overrides the default.
 */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly keyRing: KeyRing,
    private readonly context: IssuerContext,
  ) {}

  async issue(grant: AccessTokenGrant): Promise<IssuedAccessToken> {
    const settings = this.context.settings.token;
    const format = grant.client.accessTokenFormat ?? settings.format;
    const iat = nowSeconds();
    const exp = Math.min(iat + settings.access_token_ttl, grant.notAfter ?? Infinity);
    const tokenType = tokenTypeOf(grant.senderConstraint);
    if (format === 'opaque') return { ...this.opaque(grant, iat, exp), tokenType, expiresIn: exp - iat };
    const jti = randomToken(16);
    return { token: await this.jwt(grant, iat, exp, jti, settings.signing_alg), tokenType, expiresIn: exp - iat, jti };
  }

  private async jwt({ client, principal, scopes, audience, claims, grantId, identityProvider, senderConstraint }: AccessTokenGrant, iat: number, exp: number, jti: string, alg: SigningAlg): Promise<string> {
    const signer = this.keyRing.signer(alg);
    if (!signer) throw new Error(`no active ${alg} signing key`);
    const payload: Record<string, unknown> = {
      ...withoutRegistered(claims),
      iss: this.context.issuer,
      sub: principal.subject,
      aud: audience.length === 1 ? audience[0] : audience,
      exp,
      iat,
      jti,
      client_id: client.clientId,
    };
    if (scopes.length) payload.scope = scopes.join(' ');
    if (grantId !== undefined) payload.gid = grantId;
    if (identityProvider !== undefined) payload.idp = identityProvider;
    // RFC 9449 §6.1 / RFC 8705 §3.1: a bound token names its key; a bearer token has no cnf at all.
    if (senderConstraint.kind !== 'none') payload.cnf = confirmationOf(senderConstraint);
    // RFC 9068 §2.2.1: how the subject authenticated, when known.
    if (principal.authTime !== undefined) payload.auth_time = principal.authTime;
    if (principal.acr !== undefined) payload.acr = principal.acr;
    if (principal.amr !== undefined) payload.amr = principal.amr;
    // RFC 9068 §2.1: typ "at+jwt" tells access tokens apart from ID tokens and other JWTs.
    return signer.sign(payload, 'at+jwt');
  }

  private opaque({ client, principal, scopes, audience, claims, grantId, identityProvider, senderConstraint }: AccessTokenGrant, iat: number, exp: number): { token: string; step: WriteStep } {
    const token = randomToken(32);
    const stored = { ...withoutRegistered(claims), ...(identityProvider !== undefined ? { idp: identityProvider } : {}) };
    const cnf = confirmationOf(senderConstraint);
    return {
      token,
      step: {
        sql: `INSERT INTO access_tokens (token_hash, tenant, client_id, subject, scope, audience, claims, expires_at, created_at, grant_id, cnf)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [hashToken(token), this.context.tenant, client.clientId, principal.subject, scopes.join(' '), JSON.stringify(audience), JSON.stringify(stored), exp, iat, grantId ?? null, cnf ? JSON.stringify(cnf) : null],
      },
    };
  }
}

const NO_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({});

function withoutRegistered(claims: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!claims) return NO_CLAIMS;
  const rest = { ...claims };
  for (const name of REGISTERED_CLAIMS) delete rest[name];
  return rest;
}

