import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizationFlow } from './authorization-flow';
import { authorizationParams } from './authorization-params';

/** GET|POST /oauth2/authorize (RFC 6749 §3.1; OIDC Core §3.1.2.1 allows both). */
@Controller('oauth2/authorize')
export class AuthorizeController {
  constructor(private readonly flow: AuthorizationFlow) {}

  @Get()
  async get(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.handle(() => authorizationParams(request.query), request, reply);
  }

  @Post()
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.handle(() => authorizationParams(request.body), request, reply);
  }

  private async handle(read: () => Record<string, string>, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let params: Record<string, string>;
    try {
      params = read();
    } catch (error) {
      return this.flow.fail(error, undefined, reply);
    }
    await this.flow.authorize(params, request, reply);
  }
}
