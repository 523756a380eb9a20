// Types only, importing no library: plugins get it from `services.tokens.lookup` (plugin SDK).
import type { SenderConstraint } from '../core/sender-constraint';

/** What an access token of this server says, once verified. */
export interface AccessTokenInfo {
  clientId: string;
  subject: string;
  scopes: string[];
  audience: string[];
  expiresAt: number;
  issuedAt: number;
  claims: Record<string, unknown>;
  /** The grant record it was issued under (revoking the grant ends it). */
  grantId?: string;
  format: 'jwt' | 'opaque';
  /** A JWT's `jti` (the deny-list key of a token without a grant). */
  jti?: string;
  /** An opaque token's storage key. */
  tokenHash?: string;
  /** What the token is bound to (`cnf`); `none` for a bearer token. */
  senderConstraint: SenderConstraint;
}
