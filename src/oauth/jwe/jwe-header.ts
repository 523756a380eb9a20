import { JWE_REASONS, JweRefusal } from './jwe-refusal';

/**
 * JWEs addressed to grantry are nested assertions: a signed JWT of at most 8 KiB, wrapped. 16 KiB
 * leaves room for base64url, the header and an RSA-4096 wrapped key, and bounds what is parsed.
 */
export const MAX_JWE_BYTES = 16 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** What an error description may echo of a header value: a short, printable name, else nothing. */
const ECHOABLE = /^[\x21-\x7e]{1,64}$/;
export const echo = (value: unknown) => (typeof value === 'string' && ECHOABLE.test(value) ? value : '(unrecognised)');

export interface JweHeader {
  alg: string;
  enc: string;
  kid?: string;
  cty?: string;
  [name: string]: unknown;
}

export interface JweAllowList {
  /** Key-management algs of the keys held (never PBES2-*, never dir). */
  algs: ReadonlySet<string>;
  encs: readonly string[];
  /** The content type the caller takes (`JWT` for a nested JWT), checked here so a wrong one costs no crypto. */
  cty?: string;
}

/**
 * RFC 7515 §4.1.10: a `cty` without a '/' means "application/" + it, and media types compare
 * without regard to case (RFC 2045 §5.1): `JWT`, `jwt` and `application/jwt` are one type.
 */
export function sameContentType(a: string, b: string): boolean {
  const full = (value: string) => (value.includes('/') ? value : `application/${value}`).toLowerCase();
  return full(a) === full(b);
}

/** Five dot-separated parts: a compact JWE (RFC 7516 §7.1); a JWS has three. */
export function looksLikeJwe(token: string): boolean {
  return token.split('.', 6).length === 5;
}

/**
 * The protected header of a compact JWE, checked before any crypto runs, so a hostile JWE costs
 * a string scan and one small JSON.parse (the patterns of jose CVE-2022-36083 — PBES2 with a huge
 * p2c — and CVE-2024-28176 — a `zip` bomb): size, shape, alg and enc on the allow-lists, no
 * `zip`, no `crit`, no key or key URL in the header.
 */
export function inspectJwe(jwe: string, allow: JweAllowList): JweHeader {
  if (jwe.length > MAX_JWE_BYTES) throw new JweRefusal(`the encrypted assertion is larger than ${MAX_JWE_BYTES} bytes`, JWE_REASONS.malformed);
  // docs/reason-codes.md: with no key held, any JWE is as unreadable as a malformed one.
  if (!allow.algs.size) throw new JweRefusal('encrypted assertions (JWE) are not accepted: this server has no encryption key configured', JWE_REASONS.malformed);
  const parts = jwe.split('.');
  if (parts.length !== 5 || !parts.every((part) => BASE64URL.test(part)) || !parts[0] || !parts[2] || !parts[3] || !parts[4]) {
    throw new JweRefusal('the encrypted assertion is not a compact JWE', JWE_REASONS.malformed);
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    throw new JweRefusal('the JWE protected header is not JSON', JWE_REASONS.malformed);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new JweRefusal('the JWE protected header is not a JSON object', JWE_REASONS.malformed);
  const { alg, enc, kid, zip, crit, cty } = header as Record<string, unknown>;
  // RFC 7516 §4.1.3: compression before encryption is what a zip bomb rides on; nothing needs it here.
  if (zip !== undefined) throw new JweRefusal('compressed JWEs (zip) are not accepted', JWE_REASONS.refused);
  if (typeof alg !== 'string' || !allow.algs.has(alg)) {
    throw new JweRefusal(`JWE alg ${alg === undefined ? '(missing)' : echo(alg)} is not accepted (accepted: ${[...allow.algs].sort().join(', ')})`, JWE_REASONS.refused);
  }
  if (typeof enc !== 'string' || !allow.encs.includes(enc)) {
    throw new JweRefusal(`JWE enc ${enc === undefined ? '(missing)' : echo(enc)} is not accepted (accepted: ${allow.encs.join(', ')})`, JWE_REASONS.refused);
  }
  if (crit !== undefined) throw new JweRefusal('the JWE has critical header parameters this server does not support', JWE_REASONS.refused);
  for (const name of ['jwk', 'jku', 'x5u', 'x5c', 'p2s', 'p2c']) {
    if ((header as Record<string, unknown>)[name] !== undefined) throw new JweRefusal(`the JWE header carries ${name}; grantry decrypts with its own keys only`, JWE_REASONS.refused);
  }
  // Kids here are RFC 7638 thumbprints: printable ASCII, so one can be named in an error without escaping.
  if (kid !== undefined && (typeof kid !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(kid))) throw new JweRefusal('the JWE kid is not a string of 1-128 printable ASCII characters', JWE_REASONS.malformed);
  if (cty !== undefined && typeof cty !== 'string') throw new JweRefusal('the JWE cty is not a string', JWE_REASONS.malformed);
  // RFC 7519 §5.2: a nested JWT MUST say cty "JWT".
  if (allow.cty !== undefined && (typeof cty !== 'string' || !sameContentType(cty, allow.cty))) {
    throw new JweRefusal(`an encrypted assertion must be a nested JWT (cty "${allow.cty}")`, JWE_REASONS.malformed);
  }
  return header as JweHeader;
}
