import { X509Certificate } from 'node:crypto';
import { compactVerify, importJWK, importX509, type CryptoKey, type JWK } from 'jose';
import { certificateValidityProblem } from '../../keys/certificate-validity';
import { algsForJwk } from './jwk-selection';

export type VerifyKey = CryptoKey | Uint8Array;

/** True when any of `keys` verifies the JWS with `alg` — the caller has already allow-listed alg for these keys. */
export async function verifiesWithAny(jws: string, alg: string, keys: AsyncIterable<VerifyKey>): Promise<boolean> {
  for await (const key of keys) {
    try {
      await compactVerify(jws, key, { algorithms: [alg] });
      return true;
    } catch {
      // Next candidate: without a kid, every key of the right type is one.
    }
  }
  return false;
}

/** Imports public JWKs once per (key object, alg): cached clients and JWK Sets hand out the same objects. */
export class KeyImporter {
  private readonly imported = new WeakMap<object, Map<string, CryptoKey>>();

  async *fromJwks(keys: readonly JWK[], alg: string): AsyncGenerator<VerifyKey> {
    for (const jwk of keys) {
      let byAlg = this.imported.get(jwk);
      if (!byAlg) this.imported.set(jwk, (byAlg = new Map()));
      let key = byAlg.get(alg);
      if (!key) {
        try {
          key = (await importJWK(jwk, alg)) as CryptoKey;
        } catch {
          continue; // an unusable registered key is skipped, not fatal to the others
        }
        byAlg.set(alg, key);
      }
      yield key;
    }
  }

  /** The certificate's public key, when its type can verify `alg` and the certificate is valid now. */
  async *fromCertificate(certificate: X509Certificate, alg: string): AsyncGenerator<VerifyKey> {
    const problem = certificateValidityProblem(certificate);
    if (problem) throw new Error(`${problem} (${certificate.subject.replace(/\n/g, ', ')})`);
    // Cached truststore entries hand out the same certificate object: import its key once per alg.
    const imported = this.imported.get(certificate)?.get(alg);
    if (imported) {
      yield imported;
      return;
    }
    const jwk = certificate.publicKey.export({ format: 'jwk' }) as JWK;
    if (!algsForJwk(jwk).includes(alg)) return;
    const key = await importX509(certificate.toString(), alg);
    let byAlg = this.imported.get(certificate);
    if (!byAlg) this.imported.set(certificate, (byAlg = new Map()));
    byAlg.set(alg, key);
    yield key;
  }
}
