import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NoStore } from '../../common/no-store.decorator';
import { clientEndpointCall } from '../core/client-endpoint-call';
import { DpopProofs } from '../dpop/dpop-proofs';
import { ParService, type PushedAuthorizationResponse } from './par.service';

/** POST /oauth2/par (RFC 9126 §2). */
@Controller('oauth2/par')
export class ParController {
  constructor(
    private readonly par: ParService,
    private readonly dpop: DpopProofs,
  ) {}

  /** §2.2: 201 with the request_uri, never cached. */
  @Post()
  @HttpCode(201)
  @NoStore()
  async push(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<PushedAuthorizationResponse> {
    // CORS: readable by the page only from an origin of the authenticated client (as the token endpoint).
    const call = clientEndpointCall(request, reply, { cors: true });
    const pushed = await this.par.push(call.request, call.onClient);
    // RFC 9449 §8.2: with nonces required, a DPoP client gets the next one with the answer.
    if (request.headers.dpop !== undefined && this.dpop.nonceRequired) void reply.header('DPoP-Nonce', this.dpop.currentNonce());
    return pushed;
  }
}
