import { base64url, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The checks of one DPoP proof (RFC 9449 §4.3), the same at the token endpoint, userinfo and in
 * `grantry/resource-server`: pure, importing jose only, so the resource server takes it along when
 * it is published on its own. Whether the proof's `jti` was seen before and whether its nonce is
 * current are the caller's (a database statement or a cache; the server's nonce secret).
 */

/** RFC 9449 §4.2 / discovery `dpop_signing_alg_values_supported`: asymmetric algorithms only (never `none`, never a MAC). */
export const DPOP_SIGNING_ALGS: readonly string[] = Object.freeze(['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519']);

/** A `jti` longer than this is refused before it reaches a store (the column holds 255). */
const MAX_JTI_LENGTH = 255;

/** JWK members that only a private key has (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2): a proof carrying one is refused. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The RFC 7638 members of each key type: what identifies a public key, and all the cache keys on. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = { EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'], RSA: ['e', 'kty', 'n'] };

/**
 * Imported proof keys by their identifying members: a client signs every proof with one key, and
 * importing a JWK costs more than verifying the signature (~200 µs against ~120 µs). Bounded; a
 * full cache starts again.
 */
const KEYS = new Map<string, { key: KeyObject; jkt: string }>();
const MAX_CACHED_KEYS = 1000;

async function proofKey(jwk: JWK): Promise<{ key: KeyObject; jkt: string }> {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new DpopProofError('invalid_dpop_proof', `jwk kty ${String(jwk.kty)} is not supported`);
  const id = JSON.stringify(members.map((name) => (jwk as Record<string, unknown>)[name]));
  let entry = KEYS.get(id);
  if (!entry) {
    entry = { key: createPublicKey({ key: jwk as never, format: 'jwk' }), jkt: await calculateJwkThumbprint(jwk, 'sha256') };
    if (KEYS.size >= MAX_CACHED_KEYS) KEYS.clear();
    KEYS.set(id, entry);
  }
  return entry;
}

/** RFC 9449 §7.1 / §5: `invalid_dpop_proof`, or `use_dpop_nonce` when the server wants (another) nonce. */
export type DpopProblem = 'invalid_dpop_proof' | 'use_dpop_nonce';

export class DpopProofError extends Error {
  override name = 'DpopProofError';
  constructor(
    readonly problem: DpopProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface DpopExpectation {
  /** RFC 9449 §4.3 (8): the request's method. */
  htm: string;
  /** RFC 9449 §4.3 (9): the endpoint's URL as the server builds it (never from the Host header). */
  htu: string;
  /** Epoch seconds now. */
  now: number;
  /** `[oauth.dpop] proof_max_age`: how old `iat` may be, in seconds. */
  maxAge: number;
  /** How far in the future `iat` may be (clock skew), in seconds. */
  skew?: number;
  /** The algorithms accepted (default DPOP_SIGNING_ALGS). */
  algs?: readonly string[];
  /** RFC 9449 §4.3 (11): at a protected resource, the access token the proof must hash (`ath`). */
  accessToken?: string;
}

/** What a proof proved: its key's thumbprint, its jti (for the replay check), its nonce when it had one. */
export interface DpopProof {
  /** RFC 7638 base64url SHA-256 thumbprint of the proof's `jwk`. */
  jkt: string;
  jti: string;
  iat: number;
  nonce?: string;
}

/**
 * RFC 9449 §4.3 (9): htu compared without query and fragment, after RFC 3986 §6.2.2/§6.2.3
 * normalisation — scheme and host lower-case (the URL parser does it), the default port dropped,
 * an empty path as `/`. Undefined for what is no absolute http(s) URL.
 */
export function normalisedHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  // The WHATWG parser already lower-cases scheme and host, drops the default port and resolves dot segments.
  return `${url.protocol}//${url.host}${url.pathname || '/'}`;
}

/** RFC 9449 §4.3 (11) `ath`: base64url SHA-256 of the ASCII access token. */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/**
 * RFC 9449 §4.3: one proof, verified with its own header `jwk` — the one place a header key is
 * ever used, and only for this proof. Throws DpopProofError (`invalid_dpop_proof`) naming what
 * failed (for the log); the nonce and jti are the caller's.
 */
export async function verifyDpopProof(proof: string, expected: DpopExpectation): Promise<DpopProof> {
  const algs = expected.algs ?? DPOP_SIGNING_ALGS;
  const fail = (why: string) => new DpopProofError('invalid_dpop_proof', why);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw fail('the DPoP proof is not a JWS');
  }
  // §4.3 (4): typ dpop+jwt; (5) an asymmetric alg of the allow-list; (6) a public jwk.
  if (header.typ !== 'dpop+jwt') throw fail('typ is not dpop+jwt');
  if (typeof header.alg !== 'string' || !algs.includes(header.alg)) throw fail(`alg ${String(header.alg)} is not allowed`);
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw fail('the jwk header is missing');
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw fail('the jwk header holds a private or symmetric key');
  if (header.crit !== undefined) throw fail('crit headers are not understood');

  let payload: Record<string, unknown>;
  let jkt: string;
  try {
    const imported = await proofKey(jwk);
    jkt = imported.jkt;
    ({ payload } = await jwtVerify(proof, imported.key, { algorithms: [header.alg], typ: 'dpop+jwt' }));
  } catch (error) {
    if (error instanceof DpopProofError) throw error;
    throw fail('the DPoP proof signature does not verify with its jwk');
  }

  const { jti, htm, htu, iat, ath, nonce } = payload;
  // §4.3 (7) jti; (8) htm; (9) htu.
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw fail('jti is missing or malformed');
  if (htm !== expected.htm) throw fail(`htm ${String(htm)} is not ${expected.htm}`);
  const presented = typeof htu === 'string' ? normalisedHtu(htu) : undefined;
  if (presented === undefined || presented !== normalisedHtu(expected.htu)) throw fail('htu does not name this endpoint');
  // §4.3 (11): iat within an acceptable window; §11.1 keeps it short.
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw fail('iat is missing');
  if (iat < expected.now - expected.maxAge) throw fail('iat is too old');
  if (iat > expected.now + (expected.skew ?? 5)) throw fail('iat is in the future');
  if (expected.accessToken !== undefined) {
    if (typeof ath !== 'string' || ath !== accessTokenHash(expected.accessToken)) throw fail('ath does not hash the access token');
  }
  if (nonce !== undefined && typeof nonce !== 'string') throw fail('nonce is malformed');
  return { jkt, jti, iat, ...(nonce !== undefined ? { nonce } : {}) };
}

/** RFC 9449 §6.1 / §10: a well-formed `jkt` (base64url SHA-256, 43 characters). */
export function isJkt(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) && base64url.decode(value).length === 32;
}
