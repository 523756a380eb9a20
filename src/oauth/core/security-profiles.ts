import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { atLeastAsStrict, profileNamed, type ProfileName } from './profile-names';
import type { SecurityProfile } from './security-profile';

const TENANT_PROFILE = Symbol('tenant security profile');
/** One memo per profile a client may name, built once per issuer like the tenant's. */
const NAMED_PROFILE: Record<ProfileName, symbol> = {
  baseline: Symbol('baseline profile'),
  'fapi2-security': Symbol('fapi2-security profile'),
  'fapi2-message-signing': Symbol('fapi2-message-signing profile'),
};

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

  /** The name of the issuer's own profile: what a client's may only be as strict as, or stricter. */
  get currentName(): ProfileName {
    return this.context.current.settings.profile.name;
  }

  /** The profile a request of `client` is held to: its own when it has one, never weaker than its issuer's. */
  forClient(client: RegisteredClient | undefined): SecurityProfile {
    return this.forMetadata(client?.securityProfile ?? null);
  }

  /** The profile a client registered with `security_profile` is held to (the admin-only field; null: the issuer's). */
  forMetadata(securityProfile: ProfileName | null): SecurityProfile {
    const issuers = this.currentName;
    // A client's profile weaker than its issuer's (the tenant's was made stricter since) counts for nothing.
    if (securityProfile === null || atLeastAsStrict(issuers, securityProfile)) return this.current;
    const context = this.context.current;
    return context.memoised(NAMED_PROFILE[securityProfile], () => profileNamed(securityProfile, context.settings.pkce));
  }
}
