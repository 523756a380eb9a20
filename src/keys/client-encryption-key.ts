import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { OAuthError } from '../common/oauth-error';

/** ECDH-ES curves grantry encrypts to, by JWK `crv` and by Node's name of the curve. */
const ECDH_CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1', X25519: 'x25519' };
/** RFC 7518 §4.3: RSA-OAEP keys of 2048 bits or more — counted on the modulus itself, not on the bytes of `n`. */
const MIN_RSA_BITS = 2048;
/**
 * NIST SP 800-56B Rev. 2 §6.2.1: the public exponent of an RSA key-establishment key is odd, at
 * least 65537 and below 2^256. e = 1 makes "encryption" the identity (anyone reads the wrapped CEK);
 * an even e is no RSA key; small odd ones (3, 17) are what low-exponent attacks need, and no
 * mainstream generator (OpenSSL, WebCrypto, jose) makes them.
 */
const MIN_RSA_EXPONENT = 65537n;
const RSA_EXPONENT_LIMIT = 2n ** 256n;

/** A client's public key grantry may encrypt to, imported once and checked on its real parameters. */
export interface ClientEncryptionKey {
  jwk: JWK;
  key: KeyObject;
}

/**
 * The key of a client's JWK Set to encrypt to with `alg` (OIDC Core §10.2): one meant for
 * encryption (`use: "enc"`, or no `use`; `key_ops`, when given, allowing it), of the key type the
 * alg needs, not pinned to another alg, public, and strong enough once imported. Keys that say
 * `use: "enc"` come first; a key that fails any check is skipped for the next. `skipped` collects
 * why, for the log.
 */
export function clientEncryptionKey(keys: readonly JWK[], alg: string, skipped: string[] = []): ClientEncryptionKey | undefined {
  const ordered = [...keys.filter((jwk) => jwk?.use === 'enc'), ...keys.filter((jwk) => jwk?.use !== 'enc')];
  for (const jwk of ordered) {
    const why = unfit(jwk, alg);
    if (typeof why === 'string') skipped.push(`${jwk?.kid === undefined ? 'a key without kid' : `key ${String(jwk.kid).slice(0, 64)}`}: ${why}`);
    else return { jwk, key: why };
  }
  return undefined;
}

/**
 * OIDC Registration §2, checked when a client registers an `*_encrypted_response_alg` with an
 * inline `jwks`: some key of the set must be one grantry can encrypt to with that alg, or the
 * client would register for responses it can never get. (A `jwks_uri` is checked when a response
 * is encrypted: its content changes without a registration.) Throws `invalid_client_metadata`.
 */
export function checkClientEncryptionKeys(metadata: {
  jwks: { keys: object[] } | null;
  id_token_encrypted_response_alg: string | null;
  userinfo_encrypted_response_alg: string | null;
  authorization_encrypted_response_alg?: string | null;
  introspection_encrypted_response_alg?: string | null;
}): void {
  if (!metadata.jwks) return;
  for (const field of ['id_token_encrypted_response_alg', 'userinfo_encrypted_response_alg', 'authorization_encrypted_response_alg', 'introspection_encrypted_response_alg'] as const) {
    const alg = metadata[field];
    if (alg && !clientEncryptionKey(metadata.jwks.keys as JWK[], alg)) {
      throw OAuthError.invalidClientMetadata(`${field} ${alg} needs a public key in jwks with use "enc" (or no use) that fits it${alg === 'RSA-OAEP-256' ? ' (RSA: at least 2048 bits, public exponent at least 65537)' : ''}`);
    }
  }
}

/** The imported key, or why it cannot be used. */
function unfit(jwk: JWK, alg: string): KeyObject | string {
  if (!jwk || typeof jwk !== 'object') return 'not a JWK';
  if (jwk.use !== undefined && jwk.use !== 'enc') return `use ${String(jwk.use)}`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.some((op) => op === 'encrypt' || op === 'wrapKey' || op === 'deriveKey'))) return 'key_ops allow no encryption';
  if (jwk.alg !== undefined && jwk.alg !== alg) return `pinned to alg ${String(jwk.alg).slice(0, 64)}`;
  if (jwk.d !== undefined) return 'a private key';
  const rsa = alg === 'RSA-OAEP-256';
  const ecdh = alg === 'ECDH-ES' || alg.startsWith('ECDH-ES+');
  const fits = rsa ? jwk.kty === 'RSA' : ecdh && (jwk.kty === 'EC' || jwk.kty === 'OKP') && typeof jwk.crv === 'string' && Object.hasOwn(ECDH_CURVES, jwk.crv);
  if (!fits) {
    return `key type ${String(jwk.kty).slice(0, 16)}${typeof jwk.crv === 'string' ? ` (${jwk.crv.slice(0, 16)})` : ''} does not fit ${alg}`;
  }
  let key: KeyObject;
  try {
    // Only the members that define the key: `key_ops` and `ext` were checked above and mean nothing
    // to Node, and WebCrypto-style imports refuse usages (deriveKey) on a public ECDH key.
    const { kty, n, e, crv, x, y } = jwk;
    key = createPublicKey({ key: rsa ? { kty, n, e } : { kty, crv, x, ...(y === undefined ? {} : { y }) }, format: 'jwk' } as Parameters<typeof createPublicKey>[0]);
  } catch (error) {
    return `cannot be imported (${(error as Error).message.slice(0, 200)})`;
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (rsa) {
    const bits = details.modulusLength ?? 0;
    const e = details.publicExponent ?? 0n;
    if (bits < MIN_RSA_BITS) return `an RSA modulus of ${bits} bits (at least ${MIN_RSA_BITS} are needed)`;
    if (e % 2n === 0n || e < MIN_RSA_EXPONENT || e >= RSA_EXPONENT_LIMIT) return `public exponent ${e < RSA_EXPONENT_LIMIT ? e : '2^256 or more'} (an odd one from 65537 to below 2^256 is needed)`;
    return key;
  }
  const curve = key.asymmetricKeyType === 'x25519' ? 'x25519' : details.namedCurve;
  if (curve !== ECDH_CURVES[jwk.crv as string]) return `curve ${jwk.crv as string} does not match the key`;
  return key;
}
