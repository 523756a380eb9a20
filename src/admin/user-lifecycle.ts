import { Injectable, Logger } from '@nestjs/common';
import { IfMatch, Tagged } from '../common/entity-tag';
import { updateVersioned } from '../common/versioned-update';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { GrantRecords } from '../oauth/grant-records/grant-records';
import { Sessions } from '../oauth/authorization/session/sessions';
import type { UserInput } from '../users/user-input';
import { UsersService, UserView } from '../users/users.service';

/**
 * Changes to users that end what they granted, for the admin API and the CLI. The users aggregate
 * prepares its statements; this adds the revocation of the user's grants and the end of their
 * browser sessions, and commits all of it in one atomic write: a user disabled, deleted or given a
 * new password never keeps a grant, and a failed change revokes nothing.
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
  ) {}

  /**
   * One UPDATE of the changed columns, conditional on the version read: a concurrent change of
   * other fields is read and kept (the change is made again over it), unless `ifMatch` names the
   * version that must be current (412).
   */
  update(id: string, input: UserInput, ifMatch?: IfMatch): Promise<Tagged<UserView>> {
    return updateVersioned(ifMatch, async () => {
      const change = await this.users.prepareUpdate(id, input, ifMatch);
      try {
        await this.writer.commit(change.ends ? [...change.steps, ...this.endingSteps(id)] : change.steps);
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
  async delete(id: string): Promise<void> {
    await this.writer.commit([...this.users.deleteSteps(id), ...this.endingSteps(id)]);
    this.logger.log(`user ${id} deleted; its grants revoked and its sessions ended`);
    this.grants.noteRevoked({ subject: id, why: 'user_change' });
  }

  private endingSteps(userId: string): WriteStep[] {
    return [this.grants.revokeAllOfSubjectStep(userId), this.sessions.endAllOfUserStep(userId)];
  }
}
