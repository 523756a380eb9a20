import { Min } from 'class-validator';
import { GrantTypeSettings } from './config.schema';
import { TomlBool, TomlInt } from './toml-values';

/** `[oauth.grant_type.authorization_code]`: RFC 6749 §4.1, with PKCE (`[oauth.pkce]`). */
export class AuthorizationCodeGrantSettings extends GrantTypeSettings {
  /** Seconds a code is valid (RFC 6749 §4.1.2 recommends at most 10 minutes). */
  @TomlInt() @Min(1) code_ttl = 60;
}

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

/**
 * `[oauth.grant_type.<id>]`: the table of each built-in grant, with the class it is validated with
 * (and injected as). The file format is configuration's to know; which handler serves a table is
 * the grants' (`oauth/grants/built-in-grants.ts`, whose spec checks that both name the same tables
 * with the same classes, in this order).
 */
export const GRANT_TYPE_TABLES: ReadonlyMap<string, new () => GrantTypeSettings> = new Map<string, new () => GrantTypeSettings>([
  ['client_credentials', GrantTypeSettings],
  ['authorization_code', AuthorizationCodeGrantSettings],
  ['jwt_bearer', JwtBearerGrantSettings],
  ['refresh_token', GrantTypeSettings],
  ['password', GrantTypeSettings],
  ['implicit', GrantTypeSettings],
]);

/**
 * `[oauth.grant_type.implicit] enable`: the authorization endpoint issues tokens itself (implicit
 * and hybrid response types). Off unless switched on (RFC 9700 §2.1.2 advises against it).
 */
export function implicitEnabled(config: { oauth: { grant_type: Readonly<Record<string, GrantTypeSettings | undefined>> } }): boolean {
  return implicitEnabledIn(config.oauth.grant_type);
}

/** The same, of an issuer's grant tables (`IssuerSettings.grantTypes`: a tenant may switch implicit on or off). */
export function implicitEnabledIn(grantTypes: Readonly<Record<string, GrantTypeSettings | undefined>>): boolean {
  return grantTypes.implicit?.enable === true;
}
