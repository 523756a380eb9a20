import { JwtBearerGrantSettings } from '../../../config/grant-type-tables';
import type { GrantDefinition } from '../grant-definition';

/** RFC 7523 §2.1, configured by `[oauth.grant_type.jwt_bearer]` (WSO2's JWTGrant settings). */
export const JWT_BEARER_GRANT: GrantDefinition<JwtBearerGrantSettings> = {
  id: 'jwt_bearer',
  grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  settings: JwtBearerGrantSettings,
  // WSO2's handler and validator classes of the built-in, accepted as its aliases.
  wso2ClassNames: ['org.wso2.carbon.identity.oauth2.grant.jwt.JWTBearerGrantHandler', 'org.wso2.carbon.identity.oauth2.grant.jwt.JWTGrantValidator'],
};
