import { generateKeyPairSync } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import type { DecryptionKey, DecryptionKeys } from '../../keys/decryption-keys';
import type { KeyRing } from '../../keys/key-ring';
import { JweDecrypter } from './jwe-decrypter';
import { JweRefusal } from './jwe-refusal';

/** The held keys as DecryptionKeys hands them out (no database: the choice of key is what is tested). */
function decrypterHolding(keys: DecryptionKey[]): JweDecrypter {
  const held = {
    algs: new Set(keys.map((key) => key.alg)),
    find: (kid: string) => keys.find((key) => key.kid === kid),
    forAlg: (alg: string) => keys.filter((key) => key.alg === alg),
  } as unknown as DecryptionKeys;
  return new JweDecrypter(held, { refreshForUnknownKid: async () => undefined } as unknown as KeyRing);
}

const rsa = (kid: string) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { held: { kid, alg: 'RSA-OAEP-256' as const, key: privateKey }, publicKey };
};
const ecdh = (kid: string): DecryptionKey => ({ kid, alg: 'ECDH-ES', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
const encrypt = (publicKey: Parameters<CompactEncrypt['encrypt']>[0], header: Record<string, unknown>) =>
  new CompactEncrypt(new TextEncoder().encode('a.b.c')).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', ...header }).encrypt(publicKey);

async function refusal(decrypter: JweDecrypter, jwe: string): Promise<JweRefusal> {
  const error = await decrypter.decrypt(jwe).then(() => undefined, (caught: unknown) => caught);
  if (error instanceof JweRefusal) return error;
  throw new Error(`not refused: ${String(error)}`);
}

describe('JweDecrypter: which held key decrypts', () => {
  const first = rsa('rsa-1');
  const second = rsa('rsa-2');

  it('decrypts a JWE without kid with the one held key of its alg', async () => {
    const { plaintext } = await decrypterHolding([first.held, ecdh('ec-1')]).decrypt(await encrypt(first.publicKey, {}));
    expect(plaintext).toBe('a.b.c');
  });

  // Review F5: one private-key operation per JWE at most.
  it('refuses a JWE without kid while several held keys have its alg, before any crypto', async () => {
    expect(await refusal(decrypterHolding([first.held, second.held]), await encrypt(second.publicKey, {}))).toMatchObject({
      description: 'the JWE names no kid and this server holds 2 RSA-OAEP-256 keys: name one (kid)',
      reason: 'assertion_jwe_refused',
    });
  });

  // Review F4: docs/reason-codes.md says assertion_jwe_key_unknown for a kid of a key of another alg.
  it('refuses a kid that names a held key of another alg as assertion_jwe_key_unknown', async () => {
    expect(await refusal(decrypterHolding([first.held, ecdh('ec-1')]), await encrypt(first.publicKey, { kid: 'ec-1' }))).toMatchObject({
      description: 'JWE alg RSA-OAEP-256 does not match key ec-1 (ECDH-ES)',
      reason: 'assertion_jwe_key_unknown',
    });
  });

  it('echoes at most a short kid', async () => {
    const long = `k${'x'.repeat(100)}`;
    expect((await refusal(decrypterHolding([first.held]), await encrypt(first.publicKey, { kid: long }))).description).toBe('JWE kid (unrecognised) names no encryption key of this server');
  });
});
