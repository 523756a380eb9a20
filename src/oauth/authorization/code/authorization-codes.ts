import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { KeyedRead } from '../../../database/keyed-read';
import { Repository } from 'typeorm';
import { IssuerContext } from '../../../common/issuer-context';
import { OAuthError, ReasonCode } from '../../../common/oauth-error';
import { randomToken } from '../../../common/random-pool';
import type { WriteStep } from '../../../database/atomic-writer';
import { nowSeconds } from '../../../database/columns';
import type { GrantRecordEntity } from '../../grant-records/grant-record.entity';
import { GrantRecords } from '../../grant-records/grant-records';
import { hashToken } from '../../tokens/token-hash';
import { AuthorizationCodeEntity } from './authorization-code.entity';
import { PKCE_VALUE, pkceMatches } from './pkce';

const refused = (detail: string, reason: ReasonCode = 'grant_code_invalid') => OAuthError.invalidGrant('the authorization code is invalid, expired or already used', { detail, reason });

/** A code presented at the token endpoint, checked but not yet consumed. */
export interface PresentedCode {
  record: GrantRecordEntity;
  nonce?: string;
  /** RFC 9449 §10: the DPoP key the code is bound to; the token request must prove it. */
  dpopJkt?: string;
  /** The statement that consumes it; the endpoint commits it last, with the tokens. */
  redemption: WriteStep;
}

/** What a code is bound to from its authorization request (a `ValidatedAuthorizationRequest` is one). */
export interface CodeBinding {
  redirectUri: string;
  /** RFC 6749 §4.1.3: whether the request named the redirect URI (then the token request must too). */
  redirectUriGiven: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  nonce?: string;
  /** RFC 9449 §10 `dpop_jkt`: the DPoP key the code is bound to. */
  dpopJkt?: string;
}

/**
 * Authorization codes (RFC 6749 §4.1.2): 256 random bits, stored hashed, bound to client,
 * redirect URI, PKCE challenge, nonce and session, valid `code_ttl` seconds. Each belongs to a
 * grant record made with it; exchanging it is one conditional UPDATE committed with the tokens,
 * and a second use revokes the grant — every token the first use produced (RFC 6749 §4.1.2).
 */
@Injectable()
export class AuthorizationCodes {
  private readonly byHash: KeyedRead<AuthorizationCodeEntity, 'codeHash' | 'tenant'>;
  constructor(
    @InjectRepository(AuthorizationCodeEntity) private readonly repo: Repository<AuthorizationCodeEntity>,
    private readonly records: GrantRecords,
    private readonly context: IssuerContext,
  ) {
    this.byHash = new KeyedRead(repo, ['codeHash', 'tenant']);
  }

  /** A new code for `record`, bound to what its authorization request said, and the statement that stores it. */
  issue(record: GrantRecordEntity, request: CodeBinding, ttl: number): { code: string; step: WriteStep } {
    const code = randomToken(32);
    const now = nowSeconds();
    return {
      code,
      step: {
        sql: `INSERT INTO authorization_codes (code_hash, tenant, client_id, grant_id, redirect_uri, code_challenge, code_challenge_method, nonce, session_id, created_at, expires_at, dpop_jkt)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [
          hashToken(code), this.context.tenant, record.clientId, record.id,
          // RFC 6749 §4.1.3: the token request must repeat redirect_uri when the authorization request had it.
          request.redirectUriGiven ? request.redirectUri : '',
          request.codeChallenge ?? null, request.codeChallengeMethod ?? null, request.nonce ?? null, record.sessionId, now, now + ttl,
          request.dpopJkt ?? null,
        ],
      },
    };
  }

  /** RFC 6749 §4.1.3 and RFC 7636 §4.6: the code, its client, its redirect URI and its PKCE verifier. */
  async present(code: string, clientId: string, redirectUri: string | undefined, verifier: string | undefined, registeredRedirectUris: readonly string[]): Promise<PresentedCode> {
    if (code.length > 512) throw refused('code too long');
    const codeHash = hashToken(code);
    const row = await this.byHash.one({ codeHash, tenant: this.context.tenant });
    // Another client's code: refused, and nothing revoked — that client could not have used it.
    if (!row || row.clientId !== clientId) throw refused(row ? `code of client ${row.clientId} presented by ${clientId}` : 'unknown code');
    if (row.consumedAt !== null) {
      await this.records.revoke(row.grantId, 'authorization_code_reuse', `authorization code used twice by client ${clientId}`);
      throw refused('code used before; its grant is revoked', 'grant_code_reused');
    }
    const now = nowSeconds();
    if (row.expiresAt <= now) throw refused('code expired');
    if (row.redirectUri !== '' ? redirectUri !== row.redirectUri : redirectUri !== undefined && !(registeredRedirectUris.length === 1 && registeredRedirectUris[0] === redirectUri)) {
      throw OAuthError.invalidGrant('redirect_uri does not match the authorization request', { reason: 'redirect_uri_mismatch' });
    }
    this.checkPkce(row, verifier);
    const record = await this.records.find(row.grantId);
    if (!record || record.revokedAt !== null || record.expiresAt <= now) throw refused('grant revoked or ended', 'grant_revoked');
    return { record, nonce: row.nonce ?? undefined, ...(row.dpopJkt ? { dpopJkt: row.dpopJkt } : {}), redemption: this.redemption(codeHash, clientId, record.id) };
  }

  /** RFC 7636 §4.6; RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a downgrade, refused. */
  private checkPkce(row: AuthorizationCodeEntity, verifier: string | undefined): void {
    if (row.codeChallenge === null) {
      if (verifier !== undefined) throw OAuthError.invalidGrant('code_verifier was sent, but the authorization request had no code_challenge', { reason: 'pkce_mismatch' });
      return;
    }
    if (verifier === undefined) throw OAuthError.invalidGrant('code_verifier is required: the authorization request had a code_challenge', { reason: 'pkce_missing' });
    if (!PKCE_VALUE.test(verifier) || !pkceMatches(verifier, row.codeChallenge, row.codeChallengeMethod ?? 'plain')) {
      throw OAuthError.invalidGrant('code_verifier does not match the code_challenge', { reason: 'pkce_mismatch' });
    }
  }

  /** Of concurrent exchanges exactly one changes the row; the loser revokes the grant, which ends the winner's tokens. */
  private redemption(codeHash: string, clientId: string, grantId: string): WriteStep {
    const now = nowSeconds();
    return {
      sql: `UPDATE authorization_codes SET consumed_at = ?
            WHERE code_hash = ? AND tenant = ? AND client_id = ? AND consumed_at IS NULL AND expires_at > ?
              AND EXISTS (SELECT 1 FROM grant_records g WHERE g.id = ? AND g.tenant = ? AND g.revoked_at IS NULL AND g.expires_at > ?)`,
      params: [now, codeHash, this.context.tenant, clientId, now, grantId, this.context.tenant, now],
      expect: 'one-row',
      refused: async () => {
        await this.records.revoke(grantId, 'authorization_code_reuse', `concurrent use of an authorization code by client ${clientId}`);
        return refused('code used concurrently; its grant is revoked', 'grant_code_reused');
      },
    };
  }
}
