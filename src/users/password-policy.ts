import { Injectable } from '@nestjs/common';
import { UsersSettings } from '../config/config.schema';
import { OAuthError } from '../common/oauth-error';

/**
 * `[users] password_*`: length bounds (NIST SP 800-63B favours length over composition rules)
 * and, by default, no password containing the username. Counted in Unicode code points.
 */
@Injectable()
export class PasswordPolicy {
  constructor(private readonly settings: UsersSettings) {}

  /** Throws invalid_request naming the rule a new password breaks. */
  check(password: unknown, username: string): string {
    if (typeof password !== 'string') throw OAuthError.invalidRequest('password must be a string');
    const { password_min_length: min, password_max_length: max, password_reject_username: rejectUsername } = this.settings;
    const length = [...password].length;
    if (length < min) throw OAuthError.invalidRequest(`password must be at least ${min} characters long ([users] password_min_length)`);
    if (length > max) throw OAuthError.invalidRequest(`password must be at most ${max} characters long ([users] password_max_length)`);
    if (/[\u0000-\u001f\u007f]/.test(password)) throw OAuthError.invalidRequest('password must not contain control characters');
    if (rejectUsername && password.normalize('NFKC').toLowerCase().includes(username)) {
      throw OAuthError.invalidRequest('password must not contain the username ([users] password_reject_username)');
    }
    return password;
  }
}
