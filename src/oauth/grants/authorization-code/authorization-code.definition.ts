import { AuthorizationCodeGrantSettings } from '../../../config/grant-type-tables';
import type { GrantDefinition } from '../grant-definition';

/** RFC 6749 §4.1, with PKCE (`[oauth.pkce]`), configured by `[oauth.grant_type.authorization_code]`. */
export const AUTHORIZATION_CODE_GRANT: GrantDefinition<AuthorizationCodeGrantSettings> = {
  id: 'authorization_code',
  grantType: 'authorization_code',
  settings: AuthorizationCodeGrantSettings,
  wso2ClassNames: ['org.wso2.carbon.identity.oauth2.token.handlers.grant.AuthorizationCodeGrantHandler'],
};
