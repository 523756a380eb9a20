import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../../clients/clients.service';
import { DEFAULT_ENCRYPTION_ENC } from '../../../clients/encryption-metadata';
import { IssuerContext } from '../../../common/issuer-context';
import { OAuthError } from '../../../common/oauth-error';
import { KeyRing } from '../../../keys/key-ring';
import { ClientEncrypter } from '../../jwe/client-encrypter';
import { responseSigner } from '../../jwe/response-signer';

/** Seconds a JWT authorization response is valid: the browser carries it on at once; this allows for clocks. */
export const JWT_RESPONSE_LIFETIME = 300;

/**
 * JWT Secured Authorization Response Mode (JARM §2.1): the response parameters — `code`, `state`,
 * tokens, or `error` and `error_description` — as claims of a JWT with `iss` (this issuer), `aud`
 * (the client_id) and `exp`, signed with the client's `authorization_signed_response_alg` (else
 * `[oauth.token] signing_alg`) and, when it registered `authorization_encrypted_response_alg`,
 * encrypted to its key as a nested JWT (the ID token's and userinfo's rules: ClientEncrypter).
 */
@Injectable()
export class JwtResponses {
  constructor(
    private readonly clients: ClientsService,
    private readonly keyRing: KeyRing,
    private readonly context: IssuerContext,
    private readonly encrypter: ClientEncrypter,
  ) {}

  /** The `response` parameter for `clientId`; `fields` hold the response's parameters (`iss` and `state` among them). */
  async response(clientId: string, fields: Readonly<Record<string, string>>): Promise<string> {
    const client = await this.clients.findForAuthentication(clientId);
    if (!client) throw OAuthError.unauthorizedClient('the client is no longer registered');
    const { authorizationSignedResponseAlg, authorizationEncryptedResponseAlg: alg, authorizationEncryptedResponseEnc: enc } = client;
    const signer = responseSigner(this.keyRing, client, { field: 'authorization_signed_response_alg', alg: authorizationSignedResponseAlg }, this.context.settings.token.signing_alg);
    const now = Math.floor(Date.now() / 1000);
    const signed = await signer.sign({ ...fields, iss: this.context.issuer, aud: client.clientId, iat: now, exp: now + JWT_RESPONSE_LIFETIME }, 'JWT');
    if (!alg) return signed;
    return this.encrypter.encrypt(client, signed, { field: 'authorization_encrypted_response_alg', alg, enc: enc ?? DEFAULT_ENCRYPTION_ENC });
  }
}
