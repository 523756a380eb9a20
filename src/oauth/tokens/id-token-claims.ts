import { Injectable } from '@nestjs/common';
import { UsersService } from '../../users/users.service';
import type { GrantRecordEntity } from '../grant-records/grant-record.entity';
import { userClaimsFor } from './oidc-claims';

/**
 * The user claims a browser grant's authorization request asked for the ID token one by one
 * (OIDC Core §5.5 `claims.id_token`), for the ID tokens of the code exchange and of every
 * refresh: read from the user as they are now, as userinfo reads them.
 */
@Injectable()
export class IdTokenClaims {
  constructor(private readonly users: UsersService) {}

  async of(record: GrantRecordEntity): Promise<Record<string, unknown> | undefined> {
    const names = record.requestedClaims?.id_token;
    if (!names?.length) return undefined;
    // The subject of a grant made at the authorization endpoint is a local user's id.
    const user = await this.users.findById(record.subject);
    return user ? userClaimsFor(user, [], names) : undefined;
  }
}
