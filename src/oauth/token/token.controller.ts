import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NoStore } from '../../common/no-store.decorator';
import { noteRequest, RequestFacts } from '../../observability/request-facts';
import { formRequest } from './form-request';
import { TokenResponse, TokenService } from './token.service';

/** POST /oauth2/token (RFC 6749 §3.2). */
@Controller('oauth2/token')
export class TokenController {
  constructor(private readonly tokens: TokenService) {}

  @Post()
  @HttpCode(200)
  @NoStore()
  async token(@Req() request: FastifyRequest): Promise<TokenResponse> {
    const facts: RequestFacts = {};
    noteRequest(request, facts);
    return this.tokens.exchange(formRequest(request), facts);
  }

  /** RFC 6749 §3.2: the client MUST use POST; RFC 9110 §15.5.6: a 405 names what is allowed. */
  @Get()
  methodNotAllowed(@Res() reply: FastifyReply): void {
    void reply
      .status(405)
      .headers({ Allow: 'POST', 'Cache-Control': 'no-store' })
      .send({ error: 'invalid_request', error_description: 'the token endpoint accepts POST only' });
  }
}
