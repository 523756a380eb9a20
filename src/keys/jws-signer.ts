import { constants, createPrivateKey, KeyObject, sign, SignKeyObjectInput } from 'node:crypto';
import type { SigningAlg } from '../config/config.schema';

/** How node:crypto signs for each JWS alg (RFC 7518 §3). */
const SIGNING: Record<SigningAlg, { digest: string | null; options: Omit<SignKeyObjectInput, 'key'> }> = {
  RS256: { digest: 'sha256', options: {} },
  // §3.5: PSS with MGF1-SHA256 and a salt as long as the hash.
  PS256: { digest: 'sha256', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  // §3.4: the signature is R || S, 32 bytes each — not DER.
  ES256: { digest: 'sha256', options: { dsaEncoding: 'ieee-p1363' } },
  EdDSA: { digest: null, options: {} },
};

/**
 * Signs compact JWS for one key, with what can be computed once computed once: the key object,
 * its signing options and the encoded protected header per `typ`. Signatures are made in libuv's
 * threadpool through node:crypto directly — measured here, that beats signing on the event loop
 * (an ECDSA nonce costs OpenSSL's RNG syscalls there) and WebCrypto's per-call argument checks.
 */
export class JwsSigner {
  private readonly headers = new Map<string, string>();
  private readonly key: SignKeyObjectInput;
  private readonly digest: string | null;

  constructor(readonly kid: string, readonly alg: SigningAlg, privateKeyPem: string) {
    const { digest, options } = SIGNING[alg];
    this.key = { key: createPrivateKey(privateKeyPem) as KeyObject, ...options };
    this.digest = digest;
  }

  /** `payload` as a compact JWS with protected header `{ alg, kid, typ }` (RFC 7515 §7.1). */
  sign(payload: Record<string, unknown>, typ: string): Promise<string> {
    const input = `${this.header(typ)}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return new Promise((resolve, reject) =>
      sign(this.digest, Buffer.from(input), this.key, (error, signature) => (error ? reject(error) : resolve(`${input}.${signature.toString('base64url')}`))),
    );
  }

  private header(typ: string): string {
    let encoded = this.headers.get(typ);
    if (!encoded) this.headers.set(typ, (encoded = Buffer.from(JSON.stringify({ alg: this.alg, kid: this.kid, typ })).toString('base64url')));
    return encoded;
  }
}
