import { Controller, Get, Header } from '@nestjs/common';
import { AnyOrigin } from '../common/cors/cors-response';
import { KeyRing } from './key-ring';

/**
 * RFC 7517 §5: the public keys of this server — the active and still-valid signing keys
 * (`use: "sig"`) and the active encryption keys (`use: "enc"`) clients encrypt to.
 */
@Controller('oauth2/jwks')
export class JwksController {
  constructor(private readonly keyRing: KeyRing) {}

  @Get()
  @AnyOrigin()
  @Header('Content-Type', 'application/jwk-set+json')
  @Header('Cache-Control', 'public, max-age=60')
  jwks(): { keys: object[] } {
    return this.keyRing.jwks;
  }
}
