import type { Provider } from '@nestjs/common';
import { ClientEncrypter } from './client-encrypter';
import { JweDecrypter } from './jwe-decrypter';
import { NestedJwt } from './nested-jwt';

/** JWE: decrypting what is addressed to grantry (nested assertions), encrypting to clients (ID tokens, userinfo). */
export const JWE_PROVIDERS: Provider[] = [JweDecrypter, NestedJwt, ClientEncrypter];
