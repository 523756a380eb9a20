import type { ReasonCode } from '../../common/oauth-error';

/**
 * The reason codes of refused JWEs, in one place (documented in docs/reason-codes.md).
 */
export const JWE_REASONS = {
  /** No encryption key held; over the size limit, not five base64url parts, a header that is not a JSON object, `cty` not JWT. */
  malformed: 'assertion_malformed',
  /** An alg or enc off the allow-list (PBES2-*, dir, RSA1_5, ...), `zip`, `crit`, a key in the header, no kid while several held keys have the alg. */
  refused: 'assertion_jwe_refused',
  /** A kid that names no held key, or a held key of another alg. */
  keyUnknown: 'assertion_jwe_key_unknown',
  /** The crypto failed: wrong key, tampered ciphertext or tag. */
  undecryptable: 'assertion_undecryptable',
} as const satisfies Record<string, ReasonCode>;

/** A JWE refused, with what may be said about it and its reason code. */
export class JweRefusal extends Error {
  override name = 'JweRefusal';

  constructor(readonly description: string, readonly reason: ReasonCode) {
    super(description);
  }
}
