import { constants, createHmac, createPublicKey, KeyObject, timingSafeEqual, verify, X509Certificate } from 'node:crypto';
import type { JWK } from 'jose';
import { certificateValidityProblem } from '../../keys/certificate-validity';
import { algsForJwk } from '../../keys/jwk-selection';

/** A public key, or an HMAC secret (client_secret_jwt). */
export type VerifyKey = KeyObject | Uint8Array;

/** RFC 8725 §3.5 / jose: shorter RSA keys are refused. */
const MIN_RSA_BITS = 2048;

/** How node:crypto checks each JWS alg (RFC 7518 §3); keys must be of the named type (RFC 8725 §3.1). */
const VERIFYING: Record<string, { digest: string | null; key: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'hmac'; curve?: string; signatureBytes?: number }> = {
  RS256: { digest: 'sha256', key: 'rsa' }, RS384: { digest: 'sha384', key: 'rsa' }, RS512: { digest: 'sha512', key: 'rsa' },
  PS256: { digest: 'sha256', key: 'rsa-pss' }, PS384: { digest: 'sha384', key: 'rsa-pss' }, PS512: { digest: 'sha512', key: 'rsa-pss' },
  // §3.4: R || S, each as long as the curve's coordinates.
  ES256: { digest: 'sha256', key: 'ec', curve: 'prime256v1', signatureBytes: 64 },
  ES384: { digest: 'sha384', key: 'ec', curve: 'secp384r1', signatureBytes: 96 },
  ES512: { digest: 'sha512', key: 'ec', curve: 'secp521r1', signatureBytes: 132 },
  EdDSA: { digest: null, key: 'ed25519' }, Ed25519: { digest: null, key: 'ed25519' },
  HS256: { digest: 'sha256', key: 'hmac' }, HS384: { digest: 'sha384', key: 'hmac' }, HS512: { digest: 'sha512', key: 'hmac' },
};

/**
 * True when any of `keys` verifies the compact JWS with `alg` — the caller has allow-listed
 * `alg` for these keys; a key of another type never verifies (no algorithm confusion).
 * Public-key checks run in libuv's threadpool through node:crypto.
 */
export async function verifiesWithAny(jws: string, alg: string, keys: AsyncIterable<VerifyKey>): Promise<boolean> {
  const rule = VERIFYING[alg];
  const parts = jws.split('.');
  if (!rule || parts.length !== 3) return false;
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  if (rule.signatureBytes !== undefined && signature.length !== rule.signatureBytes) return false;
  for await (const key of keys) {
    if (await verifiesWith(rule, data, signature, key)) return true;
    // Next candidate: without a kid, every key of the right type is one.
  }
  return false;
}

function verifiesWith(rule: (typeof VERIFYING)[string], data: Buffer, signature: Buffer, key: VerifyKey): Promise<boolean> | boolean {
  if (rule.key === 'hmac') {
    if (key instanceof KeyObject) return false;
    const expected = createHmac(rule.digest!, key).update(data).digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  if (!(key instanceof KeyObject) || !fits(rule, key)) return false;
  const input =
    rule.key === 'rsa-pss' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : rule.key === 'ec' ? { key, dsaEncoding: 'ieee-p1363' as const }
    : key;
  return new Promise((resolve) => verify(rule.digest, data, input, signature, (error, valid) => resolve(!error && valid)));
}

/** The key's type (and curve, and size) is the one `alg` needs. */
function fits(rule: (typeof VERIFYING)[string], key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (rule.key) {
    case 'rsa':
    case 'rsa-pss':
      return type === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS;
    case 'ec':
      return type === 'ec' && details.namedCurve === rule.curve;
    case 'ed25519':
      return type === 'ed25519';
    default:
      return false;
  }
}

/** Imports public JWKs once per (key object, alg): cached clients and JWK Sets hand out the same objects. */
export class KeyImporter {
  private readonly imported = new WeakMap<object, Map<string, KeyObject>>();

  async *fromJwks(keys: readonly JWK[], alg: string): AsyncGenerator<VerifyKey> {
    for (const jwk of keys) {
      const key = this.remembered(jwk, alg) ?? this.remember(jwk, alg, () => importPublicJwk(jwk));
      if (key) yield key; // an unusable registered key is skipped, not fatal to the others
    }
  }

  /** The certificate's public key, when its type can verify `alg` and the certificate is valid now. */
  async *fromCertificate(certificate: X509Certificate, alg: string): AsyncGenerator<VerifyKey> {
    const problem = certificateValidityProblem(certificate);
    if (problem) throw new Error(`${problem} (${certificate.subject.replace(/\n/g, ', ')})`);
    // Cached truststore entries hand out the same certificate object: look its key up once per alg.
    const key =
      this.remembered(certificate, alg) ??
      this.remember(certificate, alg, () => (algsForJwk(certificate.publicKey.export({ format: 'jwk' }) as JWK).includes(alg) ? certificate.publicKey : undefined));
    if (key) yield key;
  }

  private remembered(source: object, alg: string): KeyObject | undefined {
    return this.imported.get(source)?.get(alg);
  }

  private remember(source: object, alg: string, load: () => KeyObject | undefined): KeyObject | undefined {
    const key = load();
    if (!key) return undefined;
    let byAlg = this.imported.get(source);
    if (!byAlg) this.imported.set(source, (byAlg = new Map()));
    byAlg.set(alg, key);
    return key;
  }
}

/** A public JWK as a KeyObject; undefined for one that is not a usable public key. */
function importPublicJwk(jwk: JWK): KeyObject | undefined {
  if (jwk.d !== undefined || jwk.kty === 'oct') return undefined; // never a private or symmetric key from a key set
  try {
    return createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch {
    return undefined;
  }
}
