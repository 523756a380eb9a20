import { IsOptional, IsString, Min } from 'class-validator';
import { TomlBool, TomlInt } from '../../config/toml-values';

/**
 * `[event_listener.properties]` of private_key_jwt and client_secret_jwt. The first three
 * are WSO2's PrivateKeyJWTClientAuthenticator properties, with WSO2's defaults.
 */
export class JwtClientAuthProperties {
  /** Accept each (client, jti) once, until the assertion expires. */
  @TomlBool() PreventTokenReuse = true;
  /** Reject an assertion whose iat is older than this many minutes, even if exp is still ahead. */
  @TomlInt() @Min(1) RejectBeforeInMinutes = 300;
  /** One more accepted aud value, beside the token endpoint URL and the issuer identifier. */
  @IsOptional() @IsString() TokenEndpointAlias?: string;
  /** Largest exp - iat; -1 removes the cap (unsafe: a leaked assertion stays usable until exp). */
  @TomlInt() @Min(-1) max_allowed_jwt_lifetime_seconds = 3600;
  /** Clock difference tolerated on exp, nbf and iat. */
  @TomlInt() @Min(0) TimestampSkewInSeconds = 300;
}
