import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Actor } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { IfMatch } from '../common/entity-tag';
import { NoStore } from '../common/no-store.decorator';
import { OAuthError } from '../common/oauth-error';
import { Consents, ConsentView } from '../oauth/authorization/consent/consents';
import { parseUserInput } from '../users/user-input';
import { UsersService, UserView } from '../users/users.service';
import { UserLifecycle } from './user-lifecycle';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { tagged } from './entity-tag.reply';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

/** Resource owners, addressed by generated id; `?username=` finds one by name. */
@Controller('api/admin/v1/users')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class UsersAdminController {
  constructor(
    private readonly users: UsersService,
    private readonly lifecycle: UserLifecycle,
    private readonly consentStore: Consents,
    private readonly audit: AuditTrail,
  ) {}

  @Post()
  @NoStore()
  create(@Body() body: unknown, @AdminActor() actor: Actor): Promise<UserView> {
    return this.lifecycle.create(parseUserInput(body, true), actor);
  }

  @Get()
  list(@Query() query: { limit?: string; offset?: string; username?: unknown }): Promise<{ items: UserView[]; total: number }> {
    const { limit, offset } = parsePaging(query as { limit?: string; offset?: string });
    if (query.username !== undefined && typeof query.username !== 'string') throw OAuthError.invalidRequest('username may be given once');
    return this.users.list(limit, offset, query.username);
  }

  /** With a strong `ETag` of the stored version, for a PATCH's `If-Match`. */
  @Get(':id')
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<UserView> {
    return tagged(reply, await this.users.getTagged(id));
  }

  /**
   * A new `password` or `enabled: false` revokes the user's grants; `locked_until: null` ends a
   * lock-out. One conditional UPDATE; with `If-Match`, only over the version it names (else 412).
   */
  @Patch(':id')
  @NoStore()
  async update(@Param('id') id: string, @Body() body: unknown, @AdminActor() actor: Actor, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<UserView> {
    const condition = IfMatch.parse(ifMatch);
    return tagged(reply, await this.lifecycle.update(id, parseUserInput(body, false), actor, condition));
  }

  /** Remembered consents (OIDC): per client, the scopes the user approved. */
  @Get(':id/consents')
  async consents(@Param('id') id: string): Promise<{ items: ConsentView[]; total: number }> {
    await this.users.get(id); // 404 for an unknown user
    const items = await this.consentStore.list(id);
    return { items, total: items.length };
  }

  /** Forgets the user's consents (all, or `?client_id=` one client's): the next sign-in asks again. */
  @Delete(':id/consents')
  @HttpCode(204)
  async revokeConsents(@Param('id') id: string, @AdminActor() actor: Actor, @Query('client_id') clientId?: unknown): Promise<void> {
    if (clientId !== undefined && typeof clientId !== 'string') throw OAuthError.invalidRequest('client_id may be given once');
    await this.users.get(id);
    await this.consentStore.revoke(id, clientId, [this.audit.step({ event: 'user.consents_revoked', actor, target: id, clientId })]);
  }

  /** Deletes the user and revokes its grants. */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string, @AdminActor() actor: Actor): Promise<void> {
    await this.lifecycle.delete(id, actor);
  }
}
