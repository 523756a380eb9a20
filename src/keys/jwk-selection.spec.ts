import type { JWK } from 'jose';
import { algAliases, algsForJwk, candidateKeys } from './jwk-selection';

// Public-key shapes only: selection never looks at the key material.
const rsa: JWK = { kty: 'RSA', kid: 'rsa', n: 'n', e: 'AQAB' };
const p256: JWK = { kty: 'EC', kid: 'p256', crv: 'P-256', x: 'x', y: 'y' };
const p384: JWK = { kty: 'EC', kid: 'p384', crv: 'P-384', x: 'x', y: 'y' };
const ed25519: JWK = { kty: 'OKP', kid: 'ed', crv: 'Ed25519', x: 'x' };
const hmac: JWK = { kty: 'oct', kid: 'oct', k: 'c2VjcmV0' };

const kids = (keys: JWK[]) => keys.map((key) => key.kid);

describe('algAliases', () => {
  it('treats EdDSA and its fully specified name Ed25519 (RFC 9864) as one algorithm', () => {
    expect(algAliases('EdDSA')).toEqual(['EdDSA', 'Ed25519']);
    expect(algAliases('Ed25519')).toEqual(['EdDSA', 'Ed25519']);
  });

  it('gives any other algorithm only its own name', () => {
    expect(algAliases('RS256')).toEqual(['RS256']);
    expect(algAliases('ES256')).toEqual(['ES256']);
  });
});

describe('algsForJwk: the algorithms are tied to the key type (RFC 8725 §3.1)', () => {
  it('lets an RSA key verify RS* and PS*, nothing else', () => {
    expect(algsForJwk(rsa)).toEqual(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
  });

  it('lets an EC key verify only the ECDSA algorithm of its curve (RFC 7518 §3.4)', () => {
    expect(algsForJwk(p256)).toEqual(['ES256']);
    expect(algsForJwk(p384)).toEqual(['ES384']);
    expect(algsForJwk({ ...p256, crv: 'P-521' })).toEqual(['ES512']);
  });

  it('lets an Ed25519 OKP key verify EdDSA under either name (RFC 8037 §3.1)', () => {
    expect(algsForJwk(ed25519)).toEqual(['EdDSA', 'Ed25519']);
  });

  it.each([
    ['a symmetric (oct) key: HMAC is never chosen from a key set', hmac],
    ['an EC key on an unsupported curve', { ...p256, crv: 'secp256k1' }],
    ['an EC key without a curve', { kty: 'EC', x: 'x', y: 'y' }],
    ['an Ed448 key', { ...ed25519, crv: 'Ed448' }],
    ['an X25519 (key agreement) key', { ...ed25519, crv: 'X25519' }],
    ['an unknown key type', { kty: 'XYZ' }],
  ])('gives %s no algorithm', (_, jwk) => {
    expect(algsForJwk(jwk as JWK)).toEqual([]);
  });
});

describe('candidateKeys', () => {
  const keys = [rsa, p256, p384, ed25519, hmac];

  it('picks the key the header names by kid (RFC 7515 §4.1.4)', () => {
    expect(kids(candidateKeys(keys, { alg: 'ES256', kid: 'p256' }))).toEqual(['p256']);
  });

  it('without a kid, offers every key whose type can verify alg', () => {
    const second = { ...rsa, kid: 'rsa2' };
    expect(kids(candidateKeys([...keys, second], { alg: 'PS256' }))).toEqual(['rsa', 'rsa2']);
    expect(kids(candidateKeys(keys, { alg: 'ES384' }))).toEqual(['p384']);
    expect(kids(candidateKeys(keys, { alg: 'EdDSA' }))).toEqual(['ed']);
  });

  it('does not fall back to other keys when the named key cannot verify alg', () => {
    expect(candidateKeys(keys, { alg: 'ES256', kid: 'rsa' })).toEqual([]);
  });

  it('does not offer a key without a kid when the header names one', () => {
    const { kid: _kid, ...unnamed } = p256;
    expect(candidateKeys([unnamed], { alg: 'ES256', kid: 'p256' })).toEqual([]);
    expect(candidateKeys([unnamed], { alg: 'ES256' })).toEqual([unnamed]);
  });

  it('offers nothing for a header without alg, or with alg none', () => {
    expect(candidateKeys(keys, { kid: 'rsa' })).toEqual([]);
    expect(candidateKeys(keys, { alg: 'none' })).toEqual([]);
  });

  it('never offers a key for an HMAC alg: no RSA public key as an HMAC secret, no shared key from a key set (RFC 8725 §2.1)', () => {
    expect(candidateKeys(keys, { alg: 'HS256' })).toEqual([]);
    expect(candidateKeys(keys, { alg: 'HS256', kid: 'rsa' })).toEqual([]);
    expect(candidateKeys(keys, { alg: 'HS256', kid: 'oct' })).toEqual([]);
  });

  it('refuses an EC key for the algorithm of another curve, whatever its alg member says (RFC 7518 §3.4)', () => {
    expect(candidateKeys([{ ...p384, alg: 'ES256' }], { alg: 'ES256' })).toEqual([]);
  });

  it('keeps to the alg a key declares (RFC 7517 §4.4): an RS256 key does not verify PS256', () => {
    const rs256 = { ...rsa, alg: 'RS256' };
    expect(candidateKeys([rs256], { alg: 'RS256' })).toEqual([rs256]);
    expect(candidateKeys([rs256], { alg: 'PS256' })).toEqual([]);
  });

  it('accepts EdDSA and Ed25519 for a key that declares either name', () => {
    for (const declared of ['EdDSA', 'Ed25519']) {
      for (const alg of ['EdDSA', 'Ed25519']) expect(kids(candidateKeys([{ ...ed25519, alg: declared }], { alg }))).toEqual(['ed']);
    }
  });

  it('offers only signature keys: use "sig" or no use (RFC 7517 §4.2)', () => {
    expect(kids(candidateKeys([{ ...rsa, use: 'sig' }], { alg: 'RS256' }))).toEqual(['rsa']);
    expect(candidateKeys([{ ...rsa, use: 'enc' }], { alg: 'RS256' })).toEqual([]);
  });

  it('offers a key with key_ops only when they include "verify" (RFC 7517 §4.3)', () => {
    expect(kids(candidateKeys([{ ...p256, key_ops: ['verify'] }], { alg: 'ES256' }))).toEqual(['p256']);
    expect(candidateKeys([{ ...p256, key_ops: ['encrypt', 'wrapKey'] }], { alg: 'ES256' })).toEqual([]);
  });
});
