import { Injectable } from '@nestjs/common';
import { compactDecrypt } from 'jose';
import { DecryptionKey, DecryptionKeys } from '../../keys/decryption-keys';
import { CONTENT_ENCRYPTION_ALGS } from '../../keys/encryption-key-material';
import { KeyRing } from '../../keys/key-ring';
import { echo, inspectJwe, JweHeader } from './jwe-header';
import { JWE_REASONS, JweRefusal } from './jwe-refusal';

export interface DecryptedJwe {
  header: JweHeader;
  plaintext: string;
}

/**
 * Decrypts compact JWEs addressed to grantry with its own encryption keys. Everything that can be
 * refused without crypto is refused first (`inspectJwe`); then the one key the header names (or,
 * when it names none, the one held key of its alg) is tried with jose, whose own allow-lists are
 * pinned to that key's alg and the accepted encs, so jose never runs an algorithm we did not pick.
 * One private-key operation per JWE at most: a JWE without kid is refused while several held keys
 * have its alg, rather than costing one decryption per key.
 */
@Injectable()
export class JweDecrypter {
  constructor(private readonly keys: DecryptionKeys, private readonly keyRing: KeyRing) {}

  /** Throws `JweRefusal` for anything refused: the caller maps it onto its own error. */
  async decrypt(jwe: string, expect: { cty?: string } = {}): Promise<DecryptedJwe> {
    const header = inspectJwe(jwe, { algs: this.keys.algs, encs: CONTENT_ENCRYPTION_ALGS, cty: expect.cty });
    const candidate = await this.keyFor(header);
    try {
      const { plaintext } = await compactDecrypt(jwe, candidate.key, {
        keyManagementAlgorithms: [candidate.alg],
        contentEncryptionAlgorithms: [...CONTENT_ENCRYPTION_ALGS],
      });
      return { header, plaintext: new TextDecoder('utf-8', { fatal: true }).decode(plaintext) };
    } catch {
      // One answer for every failure (no padding or MAC oracle).
      throw new JweRefusal('the encrypted assertion could not be decrypted', JWE_REASONS.undecryptable);
    }
  }

  /** The key the kid names (after one rate-limited reload, for a key made elsewhere moments ago), else the one key of the alg. */
  private async keyFor(header: JweHeader): Promise<DecryptionKey> {
    if (header.kid === undefined) {
      const keys = this.keys.forAlg(header.alg);
      if (keys.length !== 1) throw new JweRefusal(`the JWE names no kid and this server holds ${keys.length} ${header.alg} keys: name one (kid)`, JWE_REASONS.refused);
      return keys[0];
    }
    let key = this.keys.find(header.kid);
    if (!key) {
      await this.keyRing.refreshForUnknownKid();
      key = this.keys.find(header.kid);
    }
    if (!key) throw new JweRefusal(`JWE kid ${echo(header.kid)} names no encryption key of this server`, JWE_REASONS.keyUnknown);
    if (key.alg !== header.alg) throw new JweRefusal(`JWE alg ${header.alg} does not match key ${echo(header.kid)} (${key.alg})`, JWE_REASONS.keyUnknown);
    return key;
  }
}
