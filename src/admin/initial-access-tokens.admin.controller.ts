import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { Actor, initialAccessTokenCreated } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { NoStore } from '../common/no-store.decorator';
import { InitialAccessTokens, InitialAccessTokenView, IssuedInitialAccessToken } from '../oauth/registration/initial-access-tokens';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

/** RFC 7591 §3 initial access tokens for `POST /oauth2/register`; the token is in this answer only. */
@Controller('api/admin/v1/initial-access-tokens')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class InitialAccessTokensAdminController {
  constructor(private readonly tokens: InitialAccessTokens, private readonly audit: AuditTrail) {}

  /** `{expires_in?, max_uses?}` → 201 `{id, initial_access_token, expires_at, max_uses}`. */
  @Post()
  @NoStore()
  async create(@Body() body: unknown, @AdminActor() actor: Actor): Promise<IssuedInitialAccessToken> {
    // The id, never the token.
    return this.tokens.issue(body ?? {}, (created) => [this.audit.step(initialAccessTokenCreated(actor, created))]);
  }

  /** Never the tokens: id, created_at, expires_at, max_uses, uses. */
  @Get()
  list(@Query() query: { limit?: string; offset?: string }): Promise<{ items: InitialAccessTokenView[]; total: number }> {
    const { limit, offset } = parsePaging(query);
    return this.tokens.list(limit, offset);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<InitialAccessTokenView> {
    return this.tokens.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @AdminActor() actor: Actor): Promise<void> {
    await this.tokens.revoke(id, [this.audit.step({ event: 'initial_access_token.revoked', actor, target: id })]);
  }
}
