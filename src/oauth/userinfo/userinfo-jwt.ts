import { Injectable } from '@nestjs/common';
import { DEFAULT_ENCRYPTION_ENC } from '../../clients/encryption-metadata';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { KeyRing } from '../../keys/key-ring';
import { ClientEncrypter } from '../jwe/client-encrypter';
import { responseSigner } from '../jwe/response-signer';

/**
 * OIDC Core §5.3.2: a client that registered `userinfo_signed_response_alg` or
 * `userinfo_encrypted_response_alg` gets its claims as a JWT (`application/jwt`) with `iss` and
 * `aud`: signed (its alg, else `[oauth.token] signing_alg`), then — when it asked — encrypted to
 * its key as a nested JWT. Undefined for a client that wants plain JSON.
 */
@Injectable()
export class UserinfoJwt {
  constructor(
    private readonly keyRing: KeyRing,
    private readonly context: IssuerContext,
    private readonly encrypter: ClientEncrypter,
  ) {}

  async of(client: RegisteredClient, claims: Record<string, unknown>): Promise<string | undefined> {
    const { userinfoSignedResponseAlg, userinfoEncryptedResponseAlg: alg, userinfoEncryptedResponseEnc: enc } = client;
    if (!userinfoSignedResponseAlg && !alg) return undefined;
    const signer = responseSigner(this.keyRing, client, { field: 'userinfo_signed_response_alg', alg: userinfoSignedResponseAlg }, this.context.settings.token.signing_alg);
    const signed = await signer.sign({ ...claims, iss: this.context.issuer, aud: client.clientId }, 'JWT');
    if (!alg) return signed;
    return this.encrypter.encrypt(client, signed, { field: 'userinfo_encrypted_response_alg', alg, enc: enc ?? DEFAULT_ENCRYPTION_ENC });
  }
}
