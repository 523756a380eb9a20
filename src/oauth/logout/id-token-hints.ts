import { Injectable } from '@nestjs/common';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { IssuerContext } from '../../common/issuer-context';
import { KeyRing } from '../../keys/key-ring';
import { headerKeyParameters } from '../assertions/header-keys';

/**
 * `id_token_hint` of RP-initiated logout: an ID token this server signed — expired ones
 * included (OIDC RP-Initiated Logout §2: the hint is about who, not about being current).
 */
@Injectable()
export class IdTokenHints {
  constructor(
    private readonly keyRing: KeyRing,
    private readonly context: IssuerContext,
  ) {}

  /** The client (`azp`, else the one `aud`) of an ID token of this server, or undefined. */
  async clientOf(token: string): Promise<string | undefined> {
    try {
      const header = decodeProtectedHeader(token);
      const { kid, alg, typ } = header;
      const key = kid ? this.keyRing.verificationKey(kid) : undefined;
      // DESIGN: a header that brings a key (jwk, jku, x5u, x5c) is refused, as for every JWT grantry verifies.
      if (!key || alg !== key.alg || typ === 'at+jwt' || headerKeyParameters(header).length) return undefined;
      const { payload } = await compactVerify(token, key.key, { algorithms: [key.alg] });
      const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown; aud?: unknown; azp?: unknown };
      if (claims.iss !== this.context.issuer) return undefined;
      if (typeof claims.azp === 'string') return claims.azp;
      return typeof claims.aud === 'string' ? claims.aud : Array.isArray(claims.aud) && claims.aud.length === 1 && typeof claims.aud[0] === 'string' ? claims.aud[0] : undefined;
    } catch {
      return undefined;
    }
  }
}
