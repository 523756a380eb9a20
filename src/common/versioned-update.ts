import type { IfMatch } from './entity-tag';
import { OAuthError } from './oauth-error';

/**
 * A conditional UPDATE (`... WHERE version = ?`) found the record at another version than the one
 * read: someone changed it in between. Thrown by the `refused` of an aggregate's update step.
 */
export class StaleVersion extends Error {
  constructor() {
    super('the record changed since it was read');
  }
}

/** Reads, merges and conditional writes tried at most this often before answering 409. */
const ATTEMPTS = 5;

/**
 * An administrator's change as one conditional UPDATE of the columns it changes, `WHERE version = ?`.
 * `attempt` reads the record, checks `ifMatch` against the tag of what it read, merges the change
 * and writes. When the write finds the record changed since the read: with `If-Match`, 412 — the
 * version the client saw is gone; without it, the change is read, merged and written again over
 * the newer version (also under `If-Match: *`, which any version satisfies), so two changes of different fields both stay and neither is lost.
 */
export async function updateVersioned<T>(ifMatch: IfMatch | undefined, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StaleVersion)) throw error;
      // `If-Match: *` holds for any version: the record still exists, so go on like without it.
      if (ifMatch && !ifMatch.wildcard) throw OAuthError.preconditionFailed('the record changed since it was read (If-Match does not match its ETag)');
      if (tries >= ATTEMPTS) throw OAuthError.conflict('the record kept changing while this change was made; try again');
    }
  }
}
