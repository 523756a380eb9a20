import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizationFlow } from '../flow/authorization-flow';
import { BrowserCookies } from './browser-cookies';

/** GET|POST /oauth2/authorize (RFC 6749 §3.1; OIDC Core §3.1.2.1 allows both). */
@Controller('oauth2/authorize')
export class AuthorizeController {
  constructor(
    private readonly flow: AuthorizationFlow,
    private readonly cookies: BrowserCookies,
  ) {}

  @Get()
  async get(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.cookies.answer(request, reply, (browser) => this.flow.authorize(request.query, browser));
  }

  @Post()
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.cookies.answer(request, reply, (browser) => this.flow.authorize(request.body, browser));
  }
}
