import { Injectable } from '@nestjs/common';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { IssuerContext } from '../../../common/issuer-context';
import { KeyRing } from '../../../keys/key-ring';
import { headerKeyParameters } from '../../assertions/header-keys';
import { NestedJwt } from '../../jwe/nested-jwt';

interface HintClaims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  azp?: unknown;
  iat?: unknown;
  exp?: unknown;
}

/**
 * `id_token_hint` (OIDC Core §3.1.2.1, RP-Initiated Logout §2): an ID token this server signed,
 * as it was issued or encrypted to this server's encryption keys (a nested JWT: the client may
 * re-encrypt the signed token to the server). Expired ones are accepted: the hint says who, not
 * that anything is still valid.
 */
@Injectable()
export class IdTokenHints {
  constructor(
    private readonly keyRing: KeyRing,
    private readonly context: IssuerContext,
    private readonly nested: NestedJwt,
  ) {}

  /** The client (`azp`, else the one `aud`) of an ID token of this server, or undefined. */
  async clientOf(token: string): Promise<string | undefined> {
    const claims = await this.verified(token);
    if (!claims) return undefined;
    if (typeof claims.azp === 'string') return claims.azp;
    return typeof claims.aud === 'string' ? claims.aud : Array.isArray(claims.aud) && claims.aud.length === 1 && typeof claims.aud[0] === 'string' ? claims.aud[0] : undefined;
  }

  /**
   * The `sub` of an ID token this server issued with `clientId` among its audiences (the subject
   * as that client sees it: pairwise for a pairwise client), or undefined when the hint is not one.
   */
  async subjectFor(token: string, clientId: string): Promise<string | undefined> {
    const claims = await this.verified(token);
    if (!claims || typeof claims.sub !== 'string') return undefined;
    const audience = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    return audience.includes(clientId) ? claims.sub : undefined;
  }

  /** The claims of an ID token of this server — signed by one of its keys with that key's alg, `iss` this issuer — else undefined. */
  private async verified(token: string): Promise<HintClaims | undefined> {
    try {
      const signed = await this.nested.unwrap(token, (description) => new Error(description));
      const header = decodeProtectedHeader(signed);
      const { kid, alg, typ } = header;
      const key = kid ? this.keyRing.verificationKey(kid) : undefined;
      // An access token (RFC 9068 `at+jwt`) signed by the same keys is no ID token. DESIGN: a header
      // that brings a key (jwk, jku, x5u, x5c) is refused, as for every JWT grantry verifies.
      if (!key || alg !== key.alg || typ === 'at+jwt' || headerKeyParameters(header).length) return undefined;
      const { payload } = await compactVerify(signed, key.key, { algorithms: [key.alg] });
      const claims = JSON.parse(new TextDecoder().decode(payload)) as unknown;
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
      return isIdToken(claims as HintClaims, this.context.issuer) ? (claims as HintClaims) : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * What every ID token of this issuer holds (OIDC Core §2: iss, sub, aud, exp and iat are REQUIRED):
 * other JWTs signed with the same keys — a signed userinfo response (`typ` JWT too, but no `exp`
 * or `iat`) — are no hint. `exp` must be there, but its time is not checked: an expired ID token
 * still says who.
 */
function isIdToken(claims: HintClaims, issuer: string): boolean {
  return claims.iss === issuer && typeof claims.sub === 'string' && claims.aud !== undefined && typeof claims.iat === 'number' && typeof claims.exp === 'number';
}
