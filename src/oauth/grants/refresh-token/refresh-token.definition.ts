import { GrantTypeSettings } from '../../../config/config.schema';
import type { GrantDefinition } from '../grant-definition';

export const REFRESH_TOKEN_GRANT: GrantDefinition = {
  id: 'refresh_token',
  grantType: 'refresh_token',
  settings: GrantTypeSettings,
  wso2ClassNames: ['org.wso2.carbon.identity.oauth2.token.handlers.grant.RefreshGrantHandler'],
};
