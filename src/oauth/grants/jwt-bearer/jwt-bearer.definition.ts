import { Min } from 'class-validator';
import { GrantTypeSettings } from '../../../config/config.schema';
import { TomlBool, TomlInt } from '../../../config/toml-values';
import type { GrantDefinition } from '../grant-definition';

/** `[oauth.grant_type.jwt_bearer]`: RFC 7523 §2.1, WSO2's JWTGrant settings. */
export class JwtBearerGrantSettings extends GrantTypeSettings {
  /** WSO2 EnableIATValidation: reject assertions whose iat is older than iat_validity_period. */
  @TomlBool() enable_iat_validation = true;
  /** WSO2 IATValidityPeriod, in minutes. */
  @TomlInt() @Min(1) iat_validity_period = 30;
  /** Accept each (issuer, jti) once; an assertion without jti must then pass the iat window. */
  @TomlBool() prevent_token_reuse = true;
  /** Largest exp - iat in seconds (ORY fosite's default: 24 h); -1: no cap. */
  @TomlInt() @Min(-1) max_assertion_lifetime = 86400;
  /** Clock difference tolerated on exp, nbf and iat, in seconds. */
  @TomlInt() @Min(0) timestamp_skew = 300;
  /** Issue a refresh token (to clients registered for refresh_token), as WSO2 does by default. */
  @TomlBool() issue_refresh_token = false;
}

export const JWT_BEARER_GRANT: GrantDefinition<JwtBearerGrantSettings> = {
  id: 'jwt_bearer',
  grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  settings: JwtBearerGrantSettings,
  // WSO2's handler and validator classes of the built-in, accepted as its aliases.
  wso2ClassNames: ['org.wso2.carbon.identity.oauth2.grant.jwt.JWTBearerGrantHandler', 'org.wso2.carbon.identity.oauth2.grant.jwt.JWTGrantValidator'],
};
