import type { JWK } from 'jose';

export const RSA_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
export const EC_ALGS_BY_CURVE: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
/** EdDSA, and its fully specified name Ed25519 (RFC 9864) that newer libraries send. */
export const ED25519_ALGS = ['EdDSA', 'Ed25519'];
export const ASYMMETRIC_ALGS = [...RSA_ALGS, ...Object.values(EC_ALGS_BY_CURVE), ...ED25519_ALGS];
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'];

/** The names one algorithm goes by: a client registered for EdDSA may send Ed25519, and back. */
export function algAliases(alg: string): string[] {
  return ED25519_ALGS.includes(alg) ? ED25519_ALGS : [alg];
}

/** Algorithms a public JWK can verify: the allow-list is tied to the key (RFC 8725 §3.1). */
export function algsForJwk(jwk: JWK): string[] {
  if (jwk.kty === 'RSA') return RSA_ALGS;
  if (jwk.kty === 'EC' && jwk.crv && EC_ALGS_BY_CURVE[jwk.crv]) return [EC_ALGS_BY_CURVE[jwk.crv]];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return ED25519_ALGS;
  return [];
}

/**
 * The keys of a set that may verify a JWS with this header: the one with its `kid` when the
 * header names one, else every signing key whose type can verify `alg`.
 */
export function candidateKeys(keys: readonly JWK[], header: { alg?: string; kid?: string }): JWK[] {
  return keys.filter(
    (jwk) =>
      (header.kid === undefined || jwk.kid === header.kid) &&
      (jwk.use === undefined || jwk.use === 'sig') &&
      (jwk.key_ops === undefined || jwk.key_ops.includes('verify')) &&
      (jwk.alg === undefined || algAliases(jwk.alg).includes(header.alg ?? '')) &&
      header.alg !== undefined &&
      algsForJwk(jwk).includes(header.alg),
  );
}
