import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { IssuerContext } from '../common/issuer-context';
import { UsersSettings } from '../config/config.schema';
import { AtomicWriter } from '../database/atomic-writer';
import { nowSeconds } from '../database/columns';
import { PasswordHasher } from './password-hasher';
import { UserEntity } from './user.entity';
import { normalizeUsername } from './user-input';

/** Why a sign-in failed: for the log only — every caller shows one message for all of them. */
export type SignInFailure = 'unknown user' | 'user disabled' | 'no password set' | 'locked out' | 'wrong password';

export type SignInOutcome = { user: UserEntity } | { failure: SignInFailure; userId?: string };

class LockedOut extends Error {}

/**
 * Checks a username and password, with a temporary lock-out after `[users] lockout_threshold`
 * failures in a row. Each attempt is first *reserved* by one conditional UPDATE that counts it
 * and refuses while the user is locked or the count is at the threshold, so concurrent guesses
 * cannot exceed the threshold either; a success resets the count, the failure that reaches the
 * threshold locks the user for `lockout_duration`. Every path costs one scrypt verification:
 * an unknown, disabled or locked user answers as slowly as a wrong password.
 */
@Injectable()
export class UserSignIn {
  constructor(
    @InjectRepository(UserEntity) private readonly repo: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
    private readonly settings: UsersSettings,
    private readonly writer: AtomicWriter,
    private readonly context: IssuerContext,
  ) {}

  /**
   * `final: false` when more login steps follow (a second factor): the attempt then stays counted
   * until `completed` — so someone who knows the password cannot reset the count by signing in
   * again and again while guessing the second factor.
   */
  async signIn(username: string, password: string, { final = true }: { final?: boolean } = {}): Promise<SignInOutcome> {
    const user = await this.find(username);
    if (!user || !user.enabled || user.passwordHash === null) {
      await this.hasher.verifyNothing(password);
      return { failure: !user ? 'unknown user' : !user.enabled ? 'user disabled' : 'no password set', userId: user?.id };
    }
    if (!(await this.reserveAttempt(user))) {
      await this.hasher.verifyNothing(password);
      return { failure: 'locked out', userId: user.id };
    }
    if (!(await this.hasher.verify(password, user.passwordHash))) {
      await this.lockIfAtThreshold(user);
      return { failure: 'wrong password', userId: user.id };
    }
    await this.succeeded(user, password, final);
    return { user };
  }

  /** The last login step succeeded: the count starts again. */
  async completed(userId: string): Promise<void> {
    await this.writer.commit([{ sql: 'UPDATE users SET failed_logins = 0 WHERE id = ? AND tenant = ? AND failed_logins > 0', params: [userId, this.context.tenant] }]);
  }

  /** A later login step (a second factor) failed: it counts toward the lock-out like a wrong password. */
  async failedStep(userId: string): Promise<void> {
    const now = nowSeconds();
    const { lockout_threshold: threshold, lockout_duration: duration } = this.settings;
    await this.writer.commit([
      {
        // The CASEs read the row as it was (PostgreSQL and SQLite do; MySQL assigns left to right, so failed_logins goes last).
        // A lock-out shows in the admin API: it is a new version of the user (a new ETag).
        sql: `UPDATE users SET version = version + CASE WHEN failed_logins + 1 >= ? THEN 1 ELSE 0 END,
                               locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END,
                               failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END
              WHERE id = ? AND tenant = ?`,
        params: [threshold, threshold, now + duration, threshold, userId, this.context.tenant],
      },
    ]);
  }

  /** The user named exactly so (MariaDB's PAD SPACE collations would also match "alice " to "alice"). */
  private async find(username: string): Promise<UserEntity | undefined> {
    const normalized = normalizeUsername(username);
    if (normalized.length > 255 || /[\u0000-\u001f\u007f]/.test(normalized)) return undefined;
    const user = await this.repo.findOneBy({ tenant: this.context.tenant, username: normalized });
    return user && user.username === normalized ? user : undefined;
  }

  /** Counts the attempt before the password is checked; false while the user is locked out. */
  private async reserveAttempt(user: UserEntity): Promise<boolean> {
    try {
      await this.writer.commit([
        {
          sql: `UPDATE users SET failed_logins = failed_logins + 1
                WHERE id = ? AND tenant = ? AND failed_logins < ? AND (locked_until IS NULL OR locked_until <= ?)`,
          params: [user.id, user.tenant, this.settings.lockout_threshold, nowSeconds()],
          expect: 'one-row',
          refused: () => new LockedOut(),
        },
      ]);
      return true;
    } catch (error) {
      if (error instanceof LockedOut) return false;
      throw error;
    }
  }

  /** The failure that reaches the threshold starts a lock-out (a new version of the user, as the admin API shows it); the count starts again after it. */
  private async lockIfAtThreshold(user: UserEntity): Promise<void> {
    await this.writer.commit([
      {
        sql: 'UPDATE users SET locked_until = ?, failed_logins = 0, version = version + 1 WHERE id = ? AND tenant = ? AND failed_logins >= ?',
        params: [nowSeconds() + this.settings.lockout_duration, user.id, user.tenant, this.settings.lockout_threshold],
      },
    ]);
  }

  /** The count starts again (when this was the last step); a hash made with older parameters is replaced now that the password is known. */
  private async succeeded(user: UserEntity, password: string, final: boolean): Promise<void> {
    const rehash = this.hasher.isOutdated(user.passwordHash!) ? await this.hasher.hash(password) : undefined;
    const previous = user.passwordHash;
    if (rehash) user.passwordHash = rehash; // what the caller's later checks compare with
    if (!rehash && !final) return;
    const reset = final ? 'failed_logins = 0, locked_until = NULL, ' : '';
    await this.writer.commit([
      rehash
        ? { sql: `UPDATE users SET ${reset}password_hash = ? WHERE id = ? AND tenant = ? AND password_hash = ?`, params: [rehash, user.id, user.tenant, previous] }
        : { sql: 'UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ? AND tenant = ?', params: [user.id, user.tenant] },
    ]);
  }
}
