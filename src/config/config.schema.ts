import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  Equals, IsArray, IsIn, IsObject, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, ValidateIf, ValidateNested,
} from 'class-validator';
import { IsLogLevel } from './log-level';
import { PROFILE_NAMES, type ProfileName } from './security-profile-names';
import { TomlBool, TomlInt } from './toml-values';

/**
 * The typed deployment file. Property names are the TOML keys; initialisers are the defaults,
 * and `deployment.toml.example` documents each one. Unknown keys are rejected at start-up.
 */

export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
export const TOKEN_FORMATS = ['jwt', 'opaque'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

/** `[server.tls]`: paths relative to the deployment file's folder. */
export class TlsSettings {
  /** The listener's certificate (chain) and key, PEM; both or neither (neither: no listener of its own, a proxy terminates TLS). */
  @ValidateIf((tls: TlsSettings) => tls.cert !== undefined || tls.key !== undefined) @IsString() @MinLength(1) cert?: string;
  @ValidateIf((tls: TlsSettings) => tls.cert !== undefined || tls.key !== undefined) @IsString() @MinLength(1) key?: string;
  /** CA certificates (PEM) client certificates are verified to; set: the listener asks for client certificates. */
  @IsOptional() @IsString() @MinLength(1) client_ca?: string;
  /** The header a trusted proxy forwards the client certificate in (URL-encoded PEM); "" none. */
  @IsString() @Matches(/^([!#$%&'*+.^_`|~0-9A-Za-z-]+)?$/, { message: 'must be an HTTP header name' }) client_certificate_header = '';
}

export class ServerSettings {
  @IsString() host = '127.0.0.1';
  @TomlInt() @Min(0) @Max(65535) port = 8080;
  /** Issuer and every advertised URL; derived from `port` when unset. */
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  base_url?: string;
  /** Largest accepted request body in bytes (Fastify answers 413 above it). */
  @TomlInt() @Min(1024) body_limit = 65536;
  /**
   * IP addresses and CIDR blocks of the TCP peers (reverse proxies) whose X-Forwarded-For,
   * X-Forwarded-Proto and `[server.tls] client_certificate_header` are honoured; [] none. URLs
   * never come from Host or X-Forwarded-Host. Checked entry by entry in config-loader.ts.
   */
  @IsArray() @IsString({ each: true }) trusted_proxies: string[] = [];
  /** Replaced by `trusted_proxies`: any value is refused, saying so. */
  @ValidateIf((_settings, value) => value !== undefined) @Equals(Symbol.for('never'), { message: 'use [server] trusted_proxies' })
  trust_proxy?: unknown;
  /** grantry's own HTTPS listener (RFC 8705 mTLS needs it, unless a trusted proxy terminates TLS). */
  @IsOptional() @ValidateNested() @Type(() => TlsSettings) tls?: TlsSettings;
  /** Seconds a SIGTERM/SIGINT stop lets in-flight requests finish before it cuts their connections. */
  @TomlInt() @Min(0) shutdown_grace = 10;
}

export class DatabaseSettings {
  @Matches(/^(sqlite:|postgres:\/\/|postgresql:\/\/|mysql:\/\/|mariadb:\/\/)/, {
    message: 'must start with sqlite:, postgres://, mysql:// or mariadb://',
  })
  url = 'sqlite:data/grantry.sqlite';
  @TomlBool() migrate = true;
  /** PostgreSQL only: the schema grantry's tables live in (search_path). */
  @IsOptional() @Matches(/^[a-z_][a-z0-9_]*$/, { message: 'must be a lower-case SQL identifier' })
  schema?: string;
  @TomlInt() @Min(1) pool_size = 10;
  /**
   * SQLite only: `full` (default) makes every commit durable across a power loss (an fsync per
   * group commit); `normal` may lose the last commits in a power loss — used assertion jtis and
   * rotated refresh tokens among them, so replays could pass. Named so the weaker mode is a choice.
   */
  @IsIn(['full', 'normal']) sqlite_synchronous: 'full' | 'normal' = 'full';
}

export class SecuritySettings {
  /** 32 bytes, base64 or base64url: encrypts private keys and client secrets at rest. */
  @IsOptional() @IsString() master_key?: string;
  /** Where a generated master key is kept when `master_key` is not set. */
  @IsString() master_key_file = 'data/master.key';
}

export class KeystoreSettings {
  @IsString() @MinLength(1) file: string;
  @IsOptional() @IsString() password?: string;
  @IsOptional() @IsString() alias?: string;
  /** Algorithm for an RSA key from the keystore (EC and Ed25519 keys imply theirs). */
  @IsOptional() @IsIn(SIGNING_ALGS) alg?: SigningAlg;
}

export class KeysSettings {
  /** Seconds a rotated-out key stays in the JWKS so tokens it signed still verify. */
  @TomlInt() @Min(0) rotation_grace_period = 86400;
  /** Seconds between checks for keys rotated by another instance or the CLI. */
  @TomlInt() @Min(1) refresh_interval = 10;
}

export class TokenSettings {
  @TomlInt() @Min(1) access_token_ttl = 3600;
  /** Sliding: each rotated refresh token lives this long (never past its grant's absolute end). */
  @TomlInt() @Min(1) refresh_token_ttl = 86400;
  /** Absolute: a grant's refresh tokens end this long after the grant, whatever the rotations (30 days). */
  @TomlInt() @Min(1) refresh_token_absolute_ttl = 2592000;
  @IsIn(SIGNING_ALGS) signing_alg: SigningAlg = 'RS256';
  @IsIn(TOKEN_FORMATS) format: TokenFormat = 'jwt';
  /** Audience of access tokens whose client registered none and requested no `resource`. */
  @IsArray() @IsString({ each: true }) default_audience: string[] = [];
}

/** `[oauth.grant_type.<name>]`: switches, orders or replaces a built-in grant. */
export class GrantTypeSettings {
  @IsOptional() @TomlBool() enable?: boolean;
  @IsOptional() @TomlInt() order?: number;
  @IsOptional() @IsObject() properties?: Record<string, unknown>;
  /** A module path or package whose default export replaces the built-in handler (WSO2 class names of the built-in are accepted and change nothing). */
  @IsOptional() @IsString() @MinLength(1) grant_handler?: string;
  /** A module whose default export's `validate(request)` runs before the handler. */
  @IsOptional() @IsString() @MinLength(1) grant_validator?: string;
}

/** `[[oauth.custom_grant_type]]`: a drop-in grant handler module. */
export class CustomGrantTypeSettings {
  /** The grant_type it serves. */
  @IsString() @MinLength(1) name: string;
  /** Module path (relative to the config file's directory) or package name. */
  @IsString() @MinLength(1) grant_handler: string;
  @IsOptional() @IsString() @MinLength(1) grant_validator?: string;
  @IsOptional() @TomlInt() order?: number;
  @TomlBool() enable = true;
  @IsOptional() @IsObject() properties?: Record<string, unknown>;
}

/** `[plugins]`: limits applied to drop-in modules at request time. */
export class PluginsSettings {
  /** Seconds a plugin's handle/authenticate may take before the request fails with server_error. */
  @TomlInt() @Min(1) timeout = 10;
}

/** `[oauth.outbound]`: fetches of client and identity-provider JWKS URIs. */
export class OutboundSettings {
  /** Allow http:// URIs (development only). */
  @TomlBool() allow_http = false;
  /** Allow loopback, private and link-local addresses (development only). */
  @TomlBool() allow_private_networks = false;
  /** Seconds before a fetch is abandoned. */
  @TomlInt() @Min(1) timeout = 5;
  /** Largest accepted response body in bytes. */
  @TomlInt() @Min(1024) max_response_bytes = 65536;
  /** Seconds between refetches of a JWK Set forced by an unknown `kid` (a key rotation); 1 is the floor. */
  @TomlInt() @Min(1) jwks_refetch_cooldown = 10;
  /**
   * Seconds past its lifetime a fetched JWK Set keeps serving while fetching it again fails (RFC 5861
   * stale-if-error): a jwks_uri that is down or answers 500 does not take away keys that verified a
   * moment ago. 0: never past its lifetime.
   */
  @TomlInt() @Min(0) jwks_stale_if_error = 3600;
}

/** `[oauth.request_object]`: request objects at the authorization endpoint (RFC 9101, OIDC Core §6). */
export class RequestObjectSettings {
  /** Accept `request` (a request object by value). */
  @TomlBool() request_parameter = true;
  /** Accept `request_uri` naming an https URL grantry fetches the object from (by reference). */
  @TomlBool() request_uri_parameter = true;
  /** Fetch only URLs the client registered in `request_uris` (exact match, fragment ignored; OIDC Registration §2). */
  @TomlBool() require_request_uri_registration = true;
  /** Largest `exp - iat` (or `exp - nbf`, or `exp - now`) of a signed object, in seconds; FAPI 2 allows 3600 at most. */
  @TomlInt() @Min(1) max_lifetime = 3600;
  /** Allowed clock difference, in seconds, for `exp`, `nbf` and `iat`. */
  @TomlInt() @Min(0) clock_skew = 30;
}

/** `[oauth.pkce]`: RFC 7636 at the authorization endpoint. */
export class PkceSettings {
  /** S256 for every client using the code flow (public clients always need it). */
  @TomlBool() required = true;
  /** Accept `code_challenge_method=plain` (RFC 9700 §2.1.1: S256 is what clients should use). */
  @TomlBool() allow_plain = false;
}

// The security profiles' names live in a file of their own, with no imports: a client's type
// (`securityProfile`) is part of the plugin SDK, whose declarations name no library.
export { isProfileName, PROFILE_NAMES, type ProfileName } from './security-profile-names';

/** `[oauth.profile]`: the security profile every endpoint of the issuer asks (a tenant may override it). */
export class ProfileSettings {
  /**
   * `baseline`: the switches of this file as they are; `fapi2-security`: FAPI 2.0 Security Profile;
   * `fapi2-message-signing`: that, with signed request objects and JWT authorization responses (JARM).
   */
  @IsIn(PROFILE_NAMES) name: ProfileName = 'baseline';
}

/** `[oauth.par]`: pushed authorization requests (RFC 9126). */
export class ParSettings {
  /** Seconds a pushed request's `request_uri` may be used at the authorization endpoint (RFC 9126 §2.2 `expires_in`). */
  @TomlInt() @Min(1) @Max(600) request_uri_ttl = 60;
  /** Every authorization request must be pushed first (RFC 9126 §5 `require_pushed_authorization_requests`). */
  @TomlBool() required = false;
}

/** `[oauth.dpop]`: DPoP proofs of possession (RFC 9449). */
export class DpopSettings {
  /** Every proof must carry a server nonce (RFC 9449 §8, `use_dpop_nonce`); FAPI 2 profiles require it whatever this says. */
  @TomlBool() require_nonce = false;
  /** Seconds a proof's `iat` may lie in the past (RFC 9449 §11.1); its `jti` is remembered this long. */
  @TomlInt() @Min(1) @Max(600) proof_max_age = 60;
}

/** `[oauth.oidc.id_token]` */
export class IdTokenSettings {
  /** Extra audiences added to every ID token (beside the client_id). */
  @IsArray() @IsString({ each: true }) audiences: string[] = [];
  /** Seconds an ID token is valid. */
  @TomlInt() @Min(1) ttl = 3600;
}

export class OidcSettings {
  @ValidateNested() @Type(() => IdTokenSettings) id_token = new IdTokenSettings();
}

/** `[oauth.registration]`: RFC 7591 dynamic client registration. */
export class RegistrationSettings {
  /** Register without an initial access token (RFC 7591 §3); off by default. */
  @TomlBool() open = false;
  /** Scopes a registrant may ask for besides `openid` and the OIDC standard scopes; never `admin`. */
  @IsArray() @IsString({ each: true }) allowed_scopes: string[] = [];
  /**
   * Grant types a registrant may choose (RFC 7591 §2 `grant_types`, RFC 7592 updates). Unset:
   * authorization_code and refresh_token, and implicit when `[oauth.grant_type.implicit]` is
   * enabled (see registration-grant-types.ts). Anything else (password, client_credentials,
   * jwt-bearer, a plugin's) only when listed; an administrator may give any client any grant.
   */
  @IsOptional() @IsArray() @IsString({ each: true }) @MinLength(1, { each: true }) allowed_grant_types?: string[];
  /** Who may sign a `software_statement` (RFC 7591 §2.3): truststore aliases or https JWKS URIs. */
  @IsArray() @IsString({ each: true }) software_statement_issuers: string[] = [];
}

export class OAuthSettings {
  @ValidateNested() @Type(() => TokenSettings) token = new TokenSettings();
  @ValidateNested() @Type(() => RegistrationSettings) registration = new RegistrationSettings();
  @ValidateNested() @Type(() => OutboundSettings) outbound = new OutboundSettings();
  @ValidateNested() @Type(() => PkceSettings) pkce = new PkceSettings();
  @ValidateNested() @Type(() => RequestObjectSettings) request_object = new RequestObjectSettings();
  @ValidateNested() @Type(() => ParSettings) par = new ParSettings();
  @ValidateNested() @Type(() => ProfileSettings) profile = new ProfileSettings();
  @ValidateNested() @Type(() => DpopSettings) dpop = new DpopSettings();
  @ValidateNested() @Type(() => OidcSettings) oidc = new OidcSettings();
  @IsArray() @ValidateNested({ each: true }) @Type(() => CustomGrantTypeSettings) custom_grant_type: CustomGrantTypeSettings[] = [];
  /**
   * `[oauth.grant_type.<id>]` tables: each built-in grant validates its own with the settings
   * class of its definition (config-loader), so a table of an unknown grant is an error.
   */
  @IsObject() grant_type: Record<string, GrantTypeSettings> = {};
}

/** `[[event_listener]]` (WSO2): switches, orders and configures a client authenticator. */
export class EventListenerSettings {
  @IsOptional() @IsString() id?: string;
  @IsOptional() @IsString() type?: string;
  @IsOptional() @IsString() name?: string;
  @IsOptional() @TomlInt() order?: number;
  @IsOptional() @TomlBool() enable?: boolean;
  @IsOptional() @IsObject() properties?: Record<string, unknown>;
}

/** `[[cache.manager]]` (WSO2): size and lifetime of a named in-process cache. */
export class CacheManagerSettings {
  @IsString() name: string;
  /** Seconds an entry is kept. */
  @TomlInt() @Min(0) timeout = 10;
  @TomlInt() @Min(1) capacity = 5000;
  @TomlBool() enable = true;
}

export class CacheSection {
  @IsArray() @ValidateNested({ each: true }) @Type(() => CacheManagerSettings) manager: CacheManagerSettings[] = [];
}

/**
 * `[users]`: resource owners. Passwords are hashed with scrypt (node:crypto); the defaults are one
 * of OWASP's equivalent scrypt settings (N = 2^15, r = 8, p = 3: 32 MiB, about 0.1 s on one core).
 * A changed setting applies to new hashes; a stored hash keeps the parameters it was made with
 * and is re-hashed with the current ones at its next successful sign-in.
 */
export class UsersSettings {
  /** Failed sign-ins in a row before the user is locked out for `lockout_duration`. */
  @TomlInt() @Min(1) lockout_threshold = 5;
  /** Seconds a lock-out lasts. */
  @TomlInt() @Min(1) lockout_duration = 300;
  /** Password policy: shortest and longest accepted password, in characters (NIST SP 800-63B: at least 8). */
  @TomlInt() @Min(1) password_min_length = 8;
  @TomlInt() @Min(8) @Max(4096) password_max_length = 256;
  /** Refuse a password that contains the username. */
  @TomlBool() password_reject_username = true;
  /** scrypt cost: log2 of N, block size r, parallelism p. */
  @TomlInt() @Min(14) @Max(22) scrypt_log_n = 15;
  @TomlInt() @Min(1) @Max(32) scrypt_r = 8;
  @TomlInt() @Min(1) @Max(16) scrypt_p = 3;
}

/**
 * `[housekeeping]`: a periodic sweep deletes what has expired (used jtis, refresh and opaque
 * tokens, deny-list entries, grant records) in small batches, safe with several instances.
 */
export class HousekeepingSettings {
  @TomlBool() enable = true;
  /** Seconds between sweeps. */
  @TomlInt() @Min(1) interval = 300;
  /** Rows deleted per statement; a sweep repeats it until a batch comes back short. */
  @TomlInt() @Min(1) @Max(10000) batch_size = 500;
  /** Seconds an expired row is kept before it is swept (clock skew between instances). */
  @TomlInt() @Min(0) grace_period = 60;
}

/**
 * `[audit]`: the audit trail of admin and security changes (the `audit_events` table). Token
 * events are not in it: they are log lines (`[logging] audit`).
 */
export class AuditSettings {
  /** Days an audit event is kept; housekeeping deletes older ones. 0 keeps every event. */
  @TomlInt() @Min(0) retention_days = 365;
}

/** `[[login.authenticator]]`: switches, orders and configures a step of signing a user in (like [[event_listener]]). */
export class LoginAuthenticatorSettings {
  @IsString() @MinLength(1) id: string;
  /** A drop-in step: module path (relative to this file) or package whose default export is the step's class. */
  @IsOptional() @IsString() @MinLength(1) module?: string;
  @IsOptional() @TomlInt() order?: number;
  @IsOptional() @TomlBool() enable?: boolean;
  @IsOptional() @IsObject() properties?: Record<string, unknown>;
}

/** `[login]`: browser sign-in — sessions, pending interactions, the pages. */
export class LoginSettings {
  /** Seconds a browser session lasts from sign-in (absolute). */
  @TomlInt() @Min(60) session_ttl = 86400;
  /** Seconds a user has to finish signing in and consenting. */
  @TomlInt() @Min(30) interaction_ttl = 600;
  /** A folder of templates replacing the built-in pages (login.html, consent.html, ...); relative to the config file. */
  @IsOptional() @IsString() @MinLength(1) templates_dir?: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => LoginAuthenticatorSettings) authenticator: LoginAuthenticatorSettings[] = [];
}

export class LoggingSettings {
  /** pino, Nest (`verbose`, `log`) and WSO2/log4j (`DEBUG`, `WARN`, `OFF`) spellings; see `log-level.ts`. */
  @IsLogLevel() level: string = 'info';
  /** `json` (one object per line) or `pretty` (for a terminal); unset: json unless stdout is a terminal. */
  @IsOptional() @IsIn(['json', 'pretty']) format?: 'json' | 'pretty';
  /** Structured audit events (tokens issued and refused, refresh reuse, admin changes). */
  @TomlBool() audit = true;
}

/** `[metrics]`: Prometheus metrics at GET /metrics. */
export class MetricsSettings {
  @TomlBool() enable = true;
  /** 0: on the main port; else a separate listener on this port (same host). */
  @TomlInt() @Min(0) @Max(65535) port = 0;
}

export class GrantryConfig {
  @ValidateNested() @Type(() => ServerSettings) server = new ServerSettings();
  @ValidateNested() @Type(() => DatabaseSettings) database = new DatabaseSettings();
  @ValidateNested() @Type(() => SecuritySettings) security = new SecuritySettings();
  @IsOptional() @ValidateNested() @Type(() => KeystoreSettings) keystore?: KeystoreSettings;
  @ValidateNested() @Type(() => KeysSettings) keys = new KeysSettings();
  @ValidateNested() @Type(() => OAuthSettings) oauth = new OAuthSettings();
  @IsArray() @ValidateNested({ each: true }) @Type(() => EventListenerSettings) event_listener: EventListenerSettings[] = [];
  @ValidateNested() @Type(() => CacheSection) cache = new CacheSection();
  @ValidateNested() @Type(() => LoggingSettings) logging = new LoggingSettings();
  @ValidateNested() @Type(() => MetricsSettings) metrics = new MetricsSettings();
  @ValidateNested() @Type(() => PluginsSettings) plugins = new PluginsSettings();
  @ValidateNested() @Type(() => UsersSettings) users = new UsersSettings();
  @ValidateNested() @Type(() => HousekeepingSettings) housekeeping = new HousekeepingSettings();
  @ValidateNested() @Type(() => AuditSettings) audit = new AuditSettings();
  @ValidateNested() @Type(() => LoginSettings) login = new LoginSettings();
  /**
   * `[tenant."<domain>"]`: a tenant's overrides of the documented subset of the keys above
   * (`TenantOverrides`), validated table by table in `tenant-settings.ts` with these classes.
   */
  @IsObject() tenant: Record<string, TenantOverrides> = {};

  /** Directory of the file this came from: relative plugin paths resolve from here. */
  declare configDir: string;
  /**
   * The file as written (`$env{}` expanded), not enumerable: only to tell a value the file set
   * from a default (`grantry config print --effective --tenant` names each value's source).
   */
  declare readonly document?: Readonly<Record<string, unknown>>;
}

/**
 * What a tenant may override, shaped as the deployment file's keys (a `[tenant."<domain>"]` table,
 * or the admin API's `settings` of a tenant): token lifetimes, PKCE, the registration policy,
 * which grants are on and their order, the client authenticators' `[[event_listener]]` switches,
 * orders and properties, and the login steps. Everything else is server-wide. `tenant-settings.ts`
 * holds the list (`TENANT_OVERRIDABLE`) and validates with the classes above.
 */
export interface TenantOverrides {
  oauth?: {
    token?: Partial<Pick<TokenSettings, 'access_token_ttl' | 'refresh_token_ttl' | 'refresh_token_absolute_ttl'>>;
    oidc?: { id_token?: Partial<Pick<IdTokenSettings, 'ttl'>> };
    pkce?: Partial<PkceSettings>;
    profile?: Partial<ProfileSettings>;
    registration?: Partial<RegistrationSettings>;
    grant_type?: Record<string, Pick<GrantTypeSettings, 'enable' | 'order'>>;
  };
  /** Matched to the file's entries (and the authenticators) by `id` or `name`, as the top-level ones. */
  event_listener?: Pick<EventListenerSettings, 'id' | 'name' | 'type' | 'enable' | 'order' | 'properties'>[];
  login?: { authenticator?: Pick<LoginAuthenticatorSettings, 'id' | 'enable' | 'order' | 'properties'>[] };
}
