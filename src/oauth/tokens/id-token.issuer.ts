import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DEFAULT_ENCRYPTION_ENC } from '../../clients/encryption-metadata';
import { sectorHost } from '../../clients/pairwise-sector';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { nowSeconds } from '../../database/columns';
import { KeyRing } from '../../keys/key-ring';
import { SecurityService } from '../../security/security.service';
import { ClientEncrypter } from '../jwe/client-encrypter';
import { responseSigner } from '../jwe/response-signer';

export interface IdTokenContent {
  client: RegisteredClient;
  /** The local subject (a user id); pairwise clients get a per-sector one. */
  subject: string;
  authTime?: number;
  acr?: string;
  amr?: string[];
  sessionId?: string;
  nonce?: string;
  /** Issued beside it: `at_hash` (OIDC Core §3.1.3.6, §3.2.2.10). */
  accessToken?: string;
  /** Issued beside it from the authorization endpoint: `c_hash` (§3.3.2.11). */
  code?: string;
  /** Claims of the user to put in the ID token (when no access token can fetch them from userinfo). */
  claims?: Record<string, unknown>;
}

/** The hash of each signing alg, for at_hash and c_hash (OIDC Core §3.1.3.6; EdDSA with Ed25519: SHA-512). */
const HASH_OF_ALG: Record<string, string> = { RS256: 'sha256', PS256: 'sha256', ES256: 'sha256', EdDSA: 'sha512' };

/**
 * OpenID Connect ID tokens (OIDC Core §2), signed with the client's `id_token_signed_response_alg`
 * or `[oauth.token] signing_alg` like access tokens, but with `typ` JWT, never `at+jwt`: a resource
 * server must not take one for the other. A client that registered `id_token_encrypted_response_alg`
 * gets the signed token encrypted to its key (OIDC Core §10.2: sign, then encrypt — a nested JWT).
 */
@Injectable()
export class IdTokenIssuer {
  constructor(
    private readonly keyRing: KeyRing,
    private readonly context: IssuerContext,
    private readonly security: SecurityService,
    private readonly encrypter: ClientEncrypter,
  ) {}

  async issue(content: IdTokenContent): Promise<string> {
    const { client } = content;
    const { token: tokenSettings, idToken: settings } = this.context.settings;
    const signer = responseSigner(this.keyRing, client, { field: 'id_token_signed_response_alg', alg: client.idTokenSignedResponseAlg }, tokenSettings.signing_alg);
    const iat = nowSeconds();
    const audience = [client.clientId, ...settings.audiences.filter((aud) => aud !== client.clientId)];
    const payload: Record<string, unknown> = {
      ...(content.claims ?? {}),
      iss: this.context.issuer,
      sub: this.subjectFor(client, content.subject),
      aud: audience.length === 1 ? audience[0] : audience,
      exp: iat + settings.ttl,
      iat,
      // §2: azp names the party the token was issued to; needed when there are several audiences.
      azp: client.clientId,
    };
    if (content.authTime !== undefined) payload.auth_time = content.authTime;
    if (content.nonce !== undefined) payload.nonce = content.nonce;
    if (content.acr !== undefined) payload.acr = content.acr;
    if (content.amr !== undefined) payload.amr = content.amr;
    if (content.sessionId !== undefined) payload.sid = content.sessionId;
    if (content.accessToken !== undefined) payload.at_hash = halfHash(content.accessToken, signer.alg);
    if (content.code !== undefined) payload.c_hash = halfHash(content.code, signer.alg);
    const signed = await signer.sign(payload, 'JWT');
    const { idTokenEncryptedResponseAlg: alg, idTokenEncryptedResponseEnc: enc } = client;
    if (!alg) return signed;
    return this.encrypter.encrypt(client, signed, { field: 'id_token_encrypted_response_alg', alg, enc: enc ?? DEFAULT_ENCRYPTION_ENC });
  }

  /** The `sub` this client sees: the user's id, or a pairwise identifier of the client's sector (OIDC Core §8.1). */
  subjectFor(client: RegisteredClient, subject: string): string {
    if (client.subjectType !== 'pairwise') return subject;
    return this.security.pairwiseSubject(sectorOf(client), subject);
  }
}

/** The left-most half of the hash of the ASCII value, base64url (OIDC Core §3.1.3.6), by the alg the ID token is signed with. */
function halfHash(value: string, alg: string): string {
  const digest = createHash(HASH_OF_ALG[alg] ?? 'sha256').update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** The client's sector (OIDC Core §8.1): the host of its sector identifier URI or redirect URI, else its client_id. */
export function sectorOf(client: RegisteredClient): string {
  return sectorHost(client.sectorIdentifierUri, client.redirectUris) ?? client.clientId;
}
