import { Injectable } from '@nestjs/common';
import { DEFAULT_ENCRYPTION_ENC } from '../../clients/encryption-metadata';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { KeyRing } from '../../keys/key-ring';
import { ClientEncrypter } from '../jwe/client-encrypter';
import { responseSigner } from '../jwe/response-signer';
import type { IntrospectionResponse } from './introspection.service';

/** RFC 9701 §4: the media type a caller asks for (Accept) and gets (Content-Type); §5: the JWT's `typ`. */
export const INTROSPECTION_JWT_TYPE = 'application/token-introspection+jwt';

/** Whether an Accept header asks for a JWT introspection response (RFC 9701 §4): the media type listed, not refused with q=0. */
export function acceptsIntrospectionJwt(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== INTROSPECTION_JWT_TYPE) return false;
    const q = params.find((param) => param.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * RFC 9701 §5: the introspection response as a JWT — `iss` this issuer, `aud` the caller's
 * client_id, `iat`, and the RFC 7662 answer as the `token_introspection` member (`{"active":
 * false}` included) — signed with the caller's `introspection_signed_response_alg` (else `[oauth.token]
 * signing_alg`), typed `token-introspection+jwt`, and encrypted to the caller's key when it registered
 * `introspection_encrypted_response_alg` (ClientEncrypter: the ID token's and userinfo's rules).
 */
@Injectable()
export class IntrospectionJwt {
  constructor(
    private readonly keyRing: KeyRing,
    private readonly context: IssuerContext,
    private readonly encrypter: ClientEncrypter,
  ) {}

  async of(client: RegisteredClient, answer: IntrospectionResponse): Promise<string> {
    const { introspectionSignedResponseAlg, introspectionEncryptedResponseAlg: alg, introspectionEncryptedResponseEnc: enc } = client;
    const signer = responseSigner(this.keyRing, client, { field: 'introspection_signed_response_alg', alg: introspectionSignedResponseAlg }, this.context.settings.token.signing_alg);
    const signed = await signer.sign({ iss: this.context.issuer, aud: client.clientId, iat: Math.floor(Date.now() / 1000), token_introspection: answer }, 'token-introspection+jwt');
    if (!alg) return signed;
    return this.encrypter.encrypt(client, signed, { field: 'introspection_encrypted_response_alg', alg, enc: enc ?? DEFAULT_ENCRYPTION_ENC });
  }
}
