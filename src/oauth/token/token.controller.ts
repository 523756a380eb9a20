import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../common/oauth-error';
import { NoStore } from '../../common/no-store.decorator';
import { ClientRequest } from './token-request';
import { TokenResponse, TokenService } from './token.service';

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** POST /oauth2/token (RFC 6749 §3.2). */
@Controller('oauth2/token')
export class TokenController {
  constructor(private readonly tokens: TokenService) {}

  @Post()
  @HttpCode(200)
  @NoStore()
  async token(@Req() request: FastifyRequest): Promise<TokenResponse> {
    const contentType = request.headers['content-type'];
    // §3.2: the client MUST use the "application/x-www-form-urlencoded" format.
    if (!contentType || !FORM_CONTENT_TYPE.test(contentType)) {
      throw OAuthError.invalidRequest('Content-Type must be application/x-www-form-urlencoded');
    }
    return this.tokens.exchange(ClientRequest.parse(request.body, request.headers.authorization, request.headers));
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
