import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { profileNamed } from './profile-names';
import type { SecurityProfile } from './security-profile';

const TENANT_PROFILE = Symbol('tenant security profile');

/**
 * Which security profile a request is served under: its issuer's (tenant's), then — once a client
 * is known — the client's, which may only be stricter. An issuer's is `[oauth.profile] name` (a
 * tenant may override it); `baseline` is built from its `[oauth.pkce]` settings. A client's own
 * profile plugs in at `forClient`.
 */
@Injectable()
export class SecurityProfiles {
  constructor(private readonly context: IssuerContext) {}

  /** The profile of the issuer serving the request (built once per issuer). */
  get current(): SecurityProfile {
    const context = this.context.current;
    return context.memoised(TENANT_PROFILE, () => profileNamed(context.settings.profile.name, context.settings.pkce));
  }

  /** The profile a request of `client` is held to. */
  forClient(_client: RegisteredClient | undefined): SecurityProfile {
    return this.current;
  }
}
