import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NoStore } from '../../common/no-store.decorator';
import { clientEndpointCall } from '../core/client-endpoint-call';
import { RevocationService } from './revocation.service';

/** POST /oauth2/revoke (RFC 7009 §2). */
@Controller('oauth2/revoke')
export class RevocationController {
  constructor(private readonly revocation: RevocationService) {}

  /** §2.2: 200 with an empty body whether or not the token existed. */
  @Post()
  @HttpCode(200)
  @NoStore()
  async revoke(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    // CORS: readable by the page only from an origin of the authenticated client.
    const call = clientEndpointCall(request, reply, { cors: true });
    await this.revocation.revoke(call.request, call.onClient);
  }
}
