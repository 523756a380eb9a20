import { Injectable, Logger } from '@nestjs/common';
import { IfMatch, Tagged } from '../common/entity-tag';
import { updateVersioned } from '../common/versioned-update';
import { Actor, fieldNames } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { GrantRecords } from '../oauth/grant-records/grant-records';
import { Sessions } from '../oauth/authorization/session/sessions';
import type { UserInput } from '../users/user-input';
import { UsersService, UserView } from '../users/users.service';

/**
 * Changes to users, for the admin API and the CLI. The users aggregate prepares its statements;
 * this adds the audit row of the change and, where the change ends what the user granted, the
 * revocation of the user's grants and the end of their browser sessions, and commits all of it in
 * one atomic write: a user disabled, deleted or given a new password never keeps a grant, a failed
 * change revokes nothing, and every change that happened has its audit row.
 */
@Injectable()
export class UserLifecycle {
  // The log lines keep the context they had when the users service wrote them.
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersService,
    private readonly grants: GrantRecords,
    private readonly sessions: Sessions,
    private readonly writer: AtomicWriter,
    private readonly audit: AuditTrail,
  ) {}

  async create(input: UserInput, actor: Actor): Promise<UserView> {
    const created = await this.users.prepareCreate(input);
    await this.writer.commit([...created.steps, this.audit.step({ event: 'user.created', actor, target: created.view.id, details: { fields: fieldNames(input) } })]);
    return created.view;
  }

  /**
   * One UPDATE of the changed columns, conditional on the version read: a concurrent change of
   * other fields is read and kept (the change is made again over it), unless `ifMatch` names the
   * version that must be current (412). The audit row commits with it.
   */
  update(id: string, input: UserInput, actor: Actor, ifMatch?: IfMatch): Promise<Tagged<UserView>> {
    return updateVersioned(ifMatch, async () => {
      const change = await this.users.prepareUpdate(id, input, ifMatch);
      const audited = this.audit.step({ event: 'user.updated', actor, target: id, details: { fields: fieldNames(input), ...(change.ends ? { ends: change.ends } : {}) } });
      try {
        await this.writer.commit([...change.steps, ...(change.ends ? this.endingSteps(id) : []), audited]);
      } catch (error) {
        throw change.explain(error);
      }
      if (change.ends) {
        this.logger.log(`grants of user ${id} revoked: ${change.ends}`);
        this.grants.noteRevoked({ subject: id, why: 'user_change' });
      }
      return { view: change.view, etag: change.etag };
    });
  }

  /** Deletes the user and its identity links, revokes its grants and ends its sessions — one write. */
  async delete(id: string, actor: Actor): Promise<void> {
    await this.writer.commit([...this.users.deleteSteps(id), ...this.endingSteps(id), this.audit.step({ event: 'user.deleted', actor, target: id })]);
    this.logger.log(`user ${id} deleted; its grants revoked and its sessions ended`);
    this.grants.noteRevoked({ subject: id, why: 'user_change' });
  }

  private endingSteps(userId: string): WriteStep[] {
    return [this.grants.revokeAllOfSubjectStep(userId), this.sessions.endAllOfUserStep(userId)];
  }
}
