import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Actor } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { ClientsService, ClientView, Page } from '../clients/clients.service';
import { IfMatch } from '../common/entity-tag';
import { NoStore } from '../common/no-store.decorator';
import { ClientRegistrationService } from '../oauth/registration/client-registration.service';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminCaller, Caller } from './admin-caller';
import { refuseSuperAdminField, refuseTouchingSuperAdmin } from './super-admin-rules';
import { AdminTokenGuard } from './admin-token.guard';
import { tagged } from './entity-tag.reply';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

@Controller('api/admin/v1/clients')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class ClientsAdminController {
  constructor(
    private readonly clients: ClientsService,
    private readonly registration: ClientRegistrationService,
    private readonly audit: AuditTrail,
  ) {}

  /** 201 with the client; `client_secret` is in this answer only. `super_admin` only with a super-admin's token. */
  @Post()
  @NoStore()
  create(@Body() body: unknown, @AdminActor() actor: Actor, @Caller() caller: AdminCaller): Promise<ClientView> {
    refuseSuperAdminField(caller, body);
    return this.registration.create(body, actor);
  }

  @Get()
  list(@Query() query: { limit?: string; offset?: string }): Promise<Page<ClientView>> {
    const { limit, offset } = parsePaging(query);
    return this.clients.list(limit, offset);
  }

  /** With a strong `ETag` of the stored version, for a PATCH's `If-Match`. */
  @Get(':clientId')
  async get(@Param('clientId') clientId: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<ClientView> {
    return tagged(reply, await this.clients.getTagged(clientId));
  }

  /**
   * One conditional UPDATE; with `If-Match`, only over the version it names (else 412). A caller
   * that is not a super-admin changes no super-admin and no `super_admin`: checked on the version
   * the UPDATE is conditional on, so a client made a super-admin meanwhile is not changed (403).
   */
  @Patch(':clientId')
  @NoStore()
  async update(@Param('clientId') clientId: string, @Body() body: unknown, @AdminActor() actor: Actor, @Caller() caller: AdminCaller, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<ClientView> {
    refuseSuperAdminField(caller, body);
    // Checked on each version the update merges over, so a client made a super-admin meanwhile is not changed.
    return tagged(reply, await this.registration.update(clientId, body, actor, IfMatch.parse(ifMatch), (client) => refuseTouchingSuperAdmin(caller, client)));
  }

  /** A caller that is not a super-admin deletes no super-admin (checked again by the DELETE itself). */
  @Delete(':clientId')
  @HttpCode(204)
  async delete(@Param('clientId') clientId: string, @AdminActor() actor: Actor, @Caller() caller: AdminCaller): Promise<void> {
    if (caller.superAdmin) return this.registration.delete(clientId, actor);
    refuseTouchingSuperAdmin(caller, await this.clients.get(clientId));
    await this.registration.deleteWithGrants(clientId, this.clients.deleteStepUnlessSuperAdmin(clientId), actor);
  }

  /** Issues a new secret; the old one stops working (at once here, within the cache timeout elsewhere). */
  @Post(':clientId/secret')
  @HttpCode(200)
  @NoStore()
  async rotateSecret(@Param('clientId') clientId: string, @AdminActor() actor: Actor, @Caller() caller: AdminCaller, @Res({ passthrough: true }) reply: FastifyReply): Promise<ClientView> {
    const audited = [this.audit.step({ event: 'client.secret_rotated', actor, clientId, target: clientId })];
    // A super-admin's new secret would be the caller's to use: checked on the version the rotation writes over.
    return tagged(reply, await this.clients.rotateSecret(clientId, audited, (client) => refuseTouchingSuperAdmin(caller, client)));
  }
}
