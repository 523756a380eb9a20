import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Actor, fieldNames } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { IfMatch } from '../common/entity-tag';
import { parseIdentityProviderInput } from '../identity-providers/identity-provider-input';
import { IdentityProvidersService, IdentityProviderView } from '../identity-providers/identity-providers.service';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { tagged } from './entity-tag.reply';
import { IdentityProviderRemoval } from './identity-provider-removal';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

/** Trusted issuers of JWT bearer grant assertions. */
@Controller('api/admin/v1/identity-providers')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class IdentityProvidersAdminController {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly removal: IdentityProviderRemoval,
    private readonly audit: AuditTrail,
  ) {}

  @Post()
  async create(@Body() body: unknown, @AdminActor() actor: Actor): Promise<IdentityProviderView> {
    return this.providers.create(parseIdentityProviderInput(body), (id) => [this.audit.step({ event: 'identity_provider.created', actor, target: id })]);
  }

  @Get()
  list(@Query() query: { limit?: string; offset?: string }): Promise<{ items: IdentityProviderView[]; total: number }> {
    const { limit, offset } = parsePaging(query);
    return this.providers.list(limit, offset);
  }

  /** With a strong `ETag` of the stored version, for a PATCH's `If-Match`. */
  @Get(':id')
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<IdentityProviderView> {
    return tagged(reply, await this.providers.getTagged(id));
  }

  /** One conditional UPDATE; with `If-Match`, only over the version it names (else 412). */
  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @AdminActor() actor: Actor, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<IdentityProviderView> {
    const audited = this.audit.step({ event: 'identity_provider.updated', actor, target: id, details: { fields: fieldNames(body) } });
    return tagged(reply, await this.providers.update(id, (current) => parseIdentityProviderInput(body, current), IfMatch.parse(ifMatch), [audited]));
  }

  /** Also unlinks its subjects from users and revokes every grant it vouched for. */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string, @AdminActor() actor: Actor): Promise<void> {
    await this.removal.delete(id, [this.audit.step({ event: 'identity_provider.deleted', actor, target: id })]);
  }
}
