import type { RegisteredClient } from '../../clients/registered-client';
import { OAuthError } from '../../common/oauth-error';
import type { SigningAlg } from '../../config/config.schema';
import type { JwsSigner } from '../../keys/jws-signer';
import type { KeyRing } from '../../keys/key-ring';

/**
 * The signer of a response a client may have registered an alg for (`id_token_signed_response_alg`,
 * `userinfo_signed_response_alg`; OIDC Registration §2): the active key of that alg, else of
 * `[oauth.token] signing_alg`. A registered alg the deployment holds no active key for is the
 * client's registration that cannot be served (`unauthorized_client`, as for its encryption keys:
 * see ClientEncrypter), never a reason to sign otherwise; no key of the configured alg is the
 * server's fault (a 500).
 */
export function responseSigner(
  keyRing: KeyRing,
  client: RegisteredClient,
  registered: { field: 'id_token_signed_response_alg' | 'userinfo_signed_response_alg' | 'authorization_signed_response_alg' | 'introspection_signed_response_alg'; alg: string | null | undefined },
  fallback: SigningAlg,
): JwsSigner {
  const alg = (registered.alg ?? fallback) as SigningAlg;
  const signer = keyRing.signer(alg);
  if (signer) return signer;
  if (!registered.alg) throw new Error(`no active ${alg} signing key`);
  throw OAuthError.unauthorizedClient(`the client registered ${registered.field} ${alg} but this server has no active ${alg} signing key`, { detail: `client ${client.clientId}` });
}
