import type { JWK } from 'jose';

const ECDH_CURVES = new Set(['P-256', 'P-384', 'P-521', 'X25519']);
const MIN_RSA_BITS = 2048;

/**
 * The key of a client's JWK Set to encrypt to with `alg` (OIDC Core §10.2): one meant for
 * encryption (`use: "enc"`, or no `use`; `key_ops`, when given, allowing it), of the key type the
 * alg needs, not pinned to another alg, and strong enough. Keys that say `use: "enc"` come first.
 */
export function clientEncryptionKey(keys: readonly JWK[], alg: string): JWK | undefined {
  const usable = keys.filter(
    (jwk) =>
      (jwk.use === undefined || jwk.use === 'enc') &&
      (jwk.key_ops === undefined || (Array.isArray(jwk.key_ops) && jwk.key_ops.some((op) => op === 'encrypt' || op === 'wrapKey' || op === 'deriveKey'))) &&
      (jwk.alg === undefined || jwk.alg === alg) &&
      jwk.d === undefined &&
      fitsAlg(jwk, alg),
  );
  return usable.find((jwk) => jwk.use === 'enc') ?? usable[0];
}

function fitsAlg(jwk: JWK, alg: string): boolean {
  if (alg === 'RSA-OAEP-256') return jwk.kty === 'RSA' && typeof jwk.n === 'string' && Buffer.from(jwk.n, 'base64url').length * 8 >= MIN_RSA_BITS;
  if (alg === 'ECDH-ES' || alg.startsWith('ECDH-ES+')) return (jwk.kty === 'EC' || jwk.kty === 'OKP') && typeof jwk.crv === 'string' && ECDH_CURVES.has(jwk.crv);
  return false;
}
