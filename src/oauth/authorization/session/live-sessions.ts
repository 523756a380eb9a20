import { Injectable } from '@nestjs/common';
import type { WriteStep } from '../../../database/atomic-writer';
import type { UserEntity } from '../../../users/user.entity';
import { UsersService } from '../../../users/users.service';
import type { SessionEntity } from './session.entity';
import { Sessions } from './sessions';

/** A browser's session and the user signed in with it. */
export interface LiveSession {
  session: SessionEntity;
  user: UserEntity;
}

/** The browser's session together with its user: what the authorization flow asks about. */
@Injectable()
export class LiveSessions {
  constructor(
    private readonly sessions: Sessions,
    private readonly users: UsersService,
  ) {}

  /** The session the browser's cookie secret names and its user, while both are live and the user enabled. */
  async current(secret: string | undefined): Promise<LiveSession | undefined> {
    const session = await this.sessions.current(secret);
    const user = session && (await this.users.findById(session.userId));
    return session && user?.enabled ? { session, user } : undefined;
  }

  /**
   * Signs the user in (`Sessions.start`): the secret for the browser's cookie, the new session,
   * and it with its user (undefined when the user is gone by now — the flow then refuses to go on).
   */
  async signIn(previousSecret: string | undefined, userId: string, amr: string[], acr: string | undefined, alongside: (sessionId: string) => WriteStep): Promise<{ secret: string; session: SessionEntity; signedIn?: LiveSession }> {
    const { session, secret } = await this.sessions.start(previousSecret, userId, amr, acr, alongside);
    const user = await this.users.findById(userId);
    return { secret, session, signedIn: user ? { session, user } : undefined };
  }
}
