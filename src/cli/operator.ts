import { userInfo } from 'node:os';
import { Actor, actors } from '../audit/audit-event';

/**
 * The audit actor of a change made with the CLI: the operating-system user running it
 * (`operator:alice`), or its uid where the system has no name for it (`operator:uid:1000`, as in
 * some containers). Whoever runs the CLI can reach the database anyway; this names the account.
 */
export function operatorActor(): Actor {
  try {
    const { username } = userInfo();
    if (username) return actors.operator(username);
  } catch {
    // No passwd entry for the uid.
  }
  return actors.operator(`uid:${process.getuid?.() ?? 'unknown'}`);
}
