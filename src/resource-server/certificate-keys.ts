import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { certificateValidityProblem } from '../keys/certificate-validity';
import { algsForJwk } from '../keys/jwk-selection';
import type { AccessTokenHeader, AccessTokenKey } from '../oauth/tokens/access-token-verification';

interface PinnedKey extends AccessTokenKey {
  key: KeyObject;
  /** RFC 7638 thumbprint: what grantry uses as the key's `kid`. */
  kid: Promise<string>;
  /** Set for a certificate: it vouches for the key only within its validity. */
  certificate?: X509Certificate;
}

/** One PEM block at a time; the label says what it holds. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Keys by certificate: PEM files of X.509 certificates (what `grantry keys export --cert` prints)
 * or SPKI public keys, read once at start-up. A token's `kid` picks the key whose thumbprint it is
 * (grantry's kids are RFC 7638 thumbprints); any other kid, or none, is tried against every key
 * of a fitting type. Following a key rotation means deploying the new certificate beside the old.
 */
export class CertificateKeys {
  private readonly keys: PinnedKey[];

  constructor(files: string[]) {
    this.keys = files.flatMap((file) => readKeys(file));
  }

  async resolve(header: AccessTokenHeader): Promise<AccessTokenKey[]> {
    const now = Date.now();
    // A certificate valid at start-up may expire while we run: then it vouches for nothing.
    const usable = this.keys.filter((key) => !key.certificate || certificateValidityProblem(key.certificate, now) === undefined);
    if (header.kid !== undefined) {
      const kids = await Promise.all(usable.map((key) => key.kid));
      const named = usable.filter((_, i) => kids[i] === header.kid);
      if (named.length) return named;
    }
    return usable;
  }
}

function readKeys(file: string): PinnedKey[] {
  const fail = (message: string): never => {
    throw new Error(`grantry/resource-server: ${file}: ${message}`);
  };
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read it (${(error as Error).message})`);
  }
  const keys: PinnedKey[] = [];
  for (const [block, label] of text.matchAll(PEM_BLOCK)) {
    let key: KeyObject;
    let certificate: X509Certificate | undefined;
    if (label === 'CERTIFICATE') {
      certificate = new X509Certificate(block);
      const problem = certificateValidityProblem(certificate);
      if (problem) fail(problem);
      key = certificate.publicKey;
    } else if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') {
      key = createPublicKey(block);
    } else {
      // A private key has no business on a resource server.
      return fail(`holds a ${label}; give certificates or public keys (PEM) only`);
    }
    const jwk = key.export({ format: 'jwk' }) as JWK;
    const algs = algsForJwk(jwk);
    if (!algs.length) fail(`unsupported key type ${key.asymmetricKeyType}: use RSA (2048+ bits), EC P-256 or Ed25519`);
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (key.asymmetricKeyType === 'rsa' && (bits ?? 0) < 2048) fail(`RSA key of ${bits} bits refused: at least 2048 are required (RFC 7518 §3.3)`);
    keys.push({ key, algs, kid: calculateJwkThumbprint(jwk, 'sha256'), certificate });
  }
  if (!keys.length) fail('no PEM certificate or public key in it');
  return keys;
}
