import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InteractionFlow } from '../flow/interaction-flow';
import { INTERACTION_PATH } from '../interaction/interaction-path';
import { BrowserCookies } from './browser-cookies';

/** The interaction pages at `/oauth2/interaction/<id>`: login steps, account choice, consent (run by `InteractionFlow`). */
@Controller(INTERACTION_PATH.slice(1))
export class InteractionController {
  constructor(
    private readonly interactions: InteractionFlow,
    private readonly cookies: BrowserCookies,
  ) {}

  @Get(':id')
  async show(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.cookies.answer(request, reply, (browser) => this.interactions.show(id, browser));
  }

  @Post(':id/login')
  async login(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.cookies.answer(request, reply, (browser) => this.interactions.login(id, request.body, browser));
  }

  @Post(':id/select')
  async select(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.cookies.answer(request, reply, (browser) => this.interactions.select(id, request.body, browser));
  }

  @Post(':id/consent')
  async consent(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.cookies.answer(request, reply, (browser) => this.interactions.consent(id, request.body, browser));
  }
}
