import { Min } from 'class-validator';
import { GrantTypeSettings } from '../../../config/config.schema';
import { TomlInt } from '../../../config/toml-values';
import type { GrantDefinition } from '../grant-definition';

/** `[oauth.grant_type.authorization_code]`: RFC 6749 §4.1, with PKCE (`[oauth.pkce]`). */
export class AuthorizationCodeGrantSettings extends GrantTypeSettings {
  /** Seconds a code is valid (RFC 6749 §4.1.2 recommends at most 10 minutes). */
  @TomlInt() @Min(1) code_ttl = 60;
}

export const AUTHORIZATION_CODE_GRANT: GrantDefinition<AuthorizationCodeGrantSettings> = {
  id: 'authorization_code',
  grantType: 'authorization_code',
  settings: AuthorizationCodeGrantSettings,
  wso2ClassNames: ['org.wso2.carbon.identity.oauth2.token.handlers.grant.AuthorizationCodeGrantHandler'],
};
