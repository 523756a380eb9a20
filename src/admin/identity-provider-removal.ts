import { Injectable } from '@nestjs/common';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { IdentityProvidersService } from '../identity-providers/identity-providers.service';
import { GrantRecords } from '../oauth/grant-records/grant-records';
import { UsersService } from '../users/users.service';

/**
 * Removing an identity provider, for the admin API and the CLI: the provider's DELETE (its
 * aggregate), the links of its subjects to users (the users aggregate) and the revocation of every
 * grant it vouched for (the grant records) in one atomic write — what it vouched for stops at once,
 * and a provider created later under the same name inherits nothing.
 */
@Injectable()
export class IdentityProviderRemoval {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly users: UsersService,
    private readonly grants: GrantRecords,
    private readonly writer: AtomicWriter,
  ) {}

  /** `also`: what the caller writes with it (the audit row). */
  async delete(id: string, also: readonly WriteStep[] = []): Promise<void> {
    const removal = await this.providers.prepareDelete(id);
    await this.writer.commit([removal.step, this.users.unlinkProviderStep(id), this.grants.revokeAllVouchedByStep(id), ...also]);
    removal.forget();
  }
}
