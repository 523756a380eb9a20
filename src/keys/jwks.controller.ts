import { Controller, Get, Header } from '@nestjs/common';
import { KeyRing } from './key-ring';

/** RFC 7517 §5: the active and still-valid signing keys. */
@Controller('oauth2/jwks')
export class JwksController {
  constructor(private readonly keyRing: KeyRing) {}

  @Get()
  @Header('Content-Type', 'application/jwk-set+json')
  @Header('Cache-Control', 'public, max-age=60')
  jwks(): { keys: object[] } {
    return this.keyRing.jwks;
  }
}
