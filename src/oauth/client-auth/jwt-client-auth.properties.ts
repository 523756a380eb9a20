import { IsOptional, IsString, Min } from 'class-validator';
import { parseProperties } from '../../config/properties';
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
  /**
   * Largest exp - iat; -1 removes the cap (unsafe: a leaked assertion stays usable until exp).
   * Unset, it is 3600 s, or RejectBeforeInMinutes when that is set and longer (see `claimLimits`).
   */
  @IsOptional() @TomlInt() @Min(-1) max_allowed_jwt_lifetime_seconds?: number;
  /** Clock difference tolerated on exp, nbf and iat. */
  @TomlInt() @Min(0) TimestampSkewInSeconds = 300;
}

const DEFAULT_LIFETIME_CAP = 3600;

/** The typed properties and the limits they mean; throws naming a bad or contradictory property. */
export function parseJwtClientAuthProperties(raw: Readonly<Record<string, unknown>>): { properties: JwtClientAuthProperties; limits: ReturnType<typeof claimLimits> } {
  const properties = parseProperties(JwtClientAuthProperties, raw);
  return { properties, limits: claimLimits(properties, raw) };
}

/**
 * The iat age limit and lifetime cap these properties mean, with the names errors show. An
 * operator who allows an iat `RejectBeforeInMinutes` old gets it: without an explicit
 * `max_allowed_jwt_lifetime_seconds` the cap grows to match (seed 004: 100 minutes); an explicit
 * cap stricter than the iat limit contradicts it and stops start-up.
 */
export function claimLimits(properties: JwtClientAuthProperties, explicit: Readonly<Record<string, unknown>>) {
  const iatSeconds = properties.RejectBeforeInMinutes * 60;
  const iatLabel = `RejectBeforeInMinutes = ${properties.RejectBeforeInMinutes} minutes`;
  const cap = properties.max_allowed_jwt_lifetime_seconds;
  if (cap !== undefined) {
    if (cap >= 0 && cap < iatSeconds && explicit.RejectBeforeInMinutes !== undefined) {
      throw new Error(`max_allowed_jwt_lifetime_seconds = ${cap} s is shorter than ${iatLabel}: an assertion old enough to be allowed would always be refused; raise one or lower the other`);
    }
    return { maxIatAgeSeconds: iatSeconds, maxIatAgeLabel: iatLabel, maxLifetimeSeconds: cap, maxLifetimeLabel: `max_allowed_jwt_lifetime_seconds = ${cap} s` };
  }
  const grown = explicit.RejectBeforeInMinutes !== undefined && iatSeconds > DEFAULT_LIFETIME_CAP;
  return {
    maxIatAgeSeconds: iatSeconds,
    maxIatAgeLabel: iatLabel,
    maxLifetimeSeconds: grown ? iatSeconds : DEFAULT_LIFETIME_CAP,
    maxLifetimeLabel: grown ? `${iatLabel} (the lifetime cap follows it)` : `${DEFAULT_LIFETIME_CAP} s (max_allowed_jwt_lifetime_seconds)`,
  };
}
