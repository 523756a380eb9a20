import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { NoStore } from '../../common/no-store.decorator';
import { formRequest } from '../core/form-request';
import { RevocationService } from './revocation.service';

/** POST /oauth2/revoke (RFC 7009 §2). */
@Controller('oauth2/revoke')
export class RevocationController {
  constructor(private readonly revocation: RevocationService) {}

  /** §2.2: 200 with an empty body whether or not the token existed. */
  @Post()
  @HttpCode(200)
  @NoStore()
  async revoke(@Req() request: FastifyRequest): Promise<void> {
    await this.revocation.revoke(formRequest(request));
  }
}
