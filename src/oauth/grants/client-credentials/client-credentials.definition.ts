import { GrantTypeSettings } from '../../../config/config.schema';
import type { GrantDefinition } from '../grant-definition';

export const CLIENT_CREDENTIALS_GRANT: GrantDefinition = {
  id: 'client_credentials',
  grantType: 'client_credentials',
  settings: GrantTypeSettings,
  wso2ClassNames: ['org.wso2.carbon.identity.oauth2.token.handlers.grant.ClientCredentialsGrantHandler'],
};
