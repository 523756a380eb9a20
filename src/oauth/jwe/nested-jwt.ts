import { Injectable } from '@nestjs/common';
import type { ReasonCode } from '../../common/oauth-error';
import { JweDecrypter } from './jwe-decrypter';
import { looksLikeJwe } from './jwe-header';
import { JWE_REASONS, JweRefusal } from './jwe-refusal';

/**
 * RFC 7519 §5.2, §11.2: a nested JWT is a JWS encrypted as a JWE with `cty: "JWT"`. This hands
 * back the signed JWT inside (or the token as it is when it is not encrypted), so the signed one
 * goes through exactly the verification a plain one does: decrypting proves nothing about who
 * signed.
 */
@Injectable()
export class NestedJwt {
  constructor(private readonly decrypter: JweDecrypter) {}

  async unwrap(token: string, fail: (description: string, reason: ReasonCode) => Error): Promise<string> {
    if (!looksLikeJwe(token)) return token;
    try {
      // §5.2: cty MUST say "JWT" when nesting; checked with the header, before any crypto.
      const { plaintext } = await this.decrypter.decrypt(token, { cty: 'JWT' });
      if (looksLikeJwe(plaintext)) throw new JweRefusal('an encrypted assertion must hold a signed JWT, not another JWE', JWE_REASONS.malformed);
      return plaintext;
    } catch (error) {
      if (error instanceof JweRefusal) throw fail(error.description, error.reason);
      throw error;
    }
  }
}
