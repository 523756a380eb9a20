import { GrantTypeSettings } from '../../../config/config.schema';
import type { GrantDefinition } from '../grant-definition';

/** `[oauth.grant_type.password]`: RFC 6749 §4.3; off unless `enable = true` (RFC 9700 §2.4 says it MUST NOT be used). */
export const PASSWORD_GRANT: GrantDefinition = {
  id: 'password',
  grantType: 'password',
  settings: GrantTypeSettings,
  wso2ClassNames: ['org.wso2.carbon.identity.oauth2.token.handlers.grant.PasswordGrantHandler'],
};
