import {
  bearerRefusal,
  confirmationOf,
  refreshTokenConstraint,
  senderConstraintOf,
  tokenTypeOf,
  UNCONSTRAINED,
  UnknownConfirmation,
  type SenderConstraint,
} from './sender-constraint';

/** A SHA-256 thumbprint, base64url: what jkt (RFC 7638) and x5t#S256 (RFC 8705 §3.1) hold. */
const THUMBPRINT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
const DPOP: SenderConstraint = { kind: 'dpop', jkt: THUMBPRINT };
const MTLS: SenderConstraint = { kind: 'mtls', x5tS256: THUMBPRINT };

describe('sender constraints', () => {
  it('issues DPoP-bound tokens as DPoP, certificate-bound and unbound ones as Bearer (RFC 9449 §5, RFC 8705 §3)', () => {
    expect(tokenTypeOf(UNCONSTRAINED)).toBe('Bearer');
    expect(tokenTypeOf(DPOP)).toBe('DPoP');
    expect(tokenTypeOf(MTLS)).toBe('Bearer');
  });

  it('maps each binding to its RFC 7800 cnf and back', () => {
    expect(confirmationOf(UNCONSTRAINED)).toBeUndefined();
    expect(confirmationOf(DPOP)).toEqual({ jkt: THUMBPRINT });
    expect(confirmationOf(MTLS)).toEqual({ 'x5t#S256': THUMBPRINT });
    for (const constraint of [DPOP, MTLS]) expect(senderConstraintOf(confirmationOf(constraint))).toEqual(constraint);
    expect(senderConstraintOf(undefined)).toBe(UNCONSTRAINED);
    expect(senderConstraintOf(null)).toBe(UNCONSTRAINED);
  });

  it('never takes a cnf it cannot enforce for a bearer token', () => {
    const refused: unknown[] = [
      {},
      'jkt',
      [THUMBPRINT],
      { jkt: THUMBPRINT, 'x5t#S256': THUMBPRINT }, // two methods
      { jwk: { kty: 'EC' } }, // RFC 7800 §3.2: a key, not a thumbprint
      { kid: 'k1' },
      { jkt: 42 },
      { jkt: `${THUMBPRINT}=` },
      { 'x5t#S256': 'too-short' },
    ];
    for (const cnf of refused) expect(() => senderConstraintOf(cnf)).toThrow(UnknownConfirmation);
  });

  it('binds a public client\'s refresh token like its access token, never a confidential client\'s (RFC 9449 §5, RFC 8705 §4)', () => {
    expect(refreshTokenConstraint(DPOP, true)).toEqual(DPOP);
    expect(refreshTokenConstraint(MTLS, true)).toEqual(MTLS);
    expect(refreshTokenConstraint(DPOP, false)).toBe(UNCONSTRAINED);
    expect(refreshTokenConstraint(UNCONSTRAINED, true)).toBe(UNCONSTRAINED);
  });

  it('accepts only an unbound token as a bearer token (RFC 9449 §7.2, RFC 8705 §3)', () => {
    expect(bearerRefusal(UNCONSTRAINED)).toBeUndefined();
    expect(bearerRefusal(DPOP)).toBe('a DPoP-bound token presented without a DPoP proof (RFC 9449 §7.2)');
    expect(bearerRefusal(MTLS)).toBe('a certificate-bound token presented without its client certificate (RFC 8705 §3)');
  });
});
