/**
 * Every command's usage text, apart from the commands themselves: `grantry --help` and
 * `grantry <command> --help` print these without loading a command, Nest or a database driver.
 */
import { DEFAULT_TENANT } from '../common/request-context';

export const AUDIT_USAGE = `grantry audit list [--actor A] [--event E] [--client CLIENT_ID] [--since T] [--until T] [--limit N] [--json]
  (the audit trail of admin and security changes, newest first, the newest 100 unless --limit says;
   A is who changed: client:<client_id> (admin API), operator:<OS user> (this CLI), registrant;
   T is epoch seconds, an ISO 8601 date or time with a zone, or a span back from now: 30m, 24h, 7d)
  e.g. grantry audit list --event client.deleted --since 7d
       grantry audit list --actor operator:alice --json`;

export const CERTS_USAGE = `grantry certs import --alias ALIAS --file CERT.pem [--replace] [--json]
grantry certs list [--json]
grantry certs delete ALIAS
  (a certificate whose alias is a client_id verifies that client's private_key_jwt; --replace swaps the
   certificate of an existing alias; expired or not-yet-valid certificates are refused)
  e.g. grantry certs import --alias my-client-id --file client.pem
       grantry certs import --alias my-client-id --file renewed.pem --replace`;

export const CLIENTS_USAGE = `grantry clients create --name NAME [--grant-type G]... [--auth-method M] [--scope "a b"]
                       [--redirect-uri U]... [--jwks-uri U | --jwks-file F] [--auth-signing-alg ALG]
                       [--token-format jwt|opaque] [--audience A]... [--introspect-any] [--super-admin]
                       [--response-type T]... [--post-logout-redirect-uri U]... [--application-type web|native]
                       [--subject-type public|pairwise] [--sector-identifier-uri U] [--default-max-age S]
                       [--require-auth-time] [--require-par] [--cors-origin ORIGIN]... [--request-uri U]...
                       [--request-object-signing-alg ALG] [--json]
grantry clients update CLIENT_ID [--name NAME] [the options of create; a repeated option replaces the whole list]
                       [--no-introspect-any] [--no-super-admin] [--no-require-par] [--no-cors-origin | --default-cors-origins]
                       [--no-request-uri] [--any-request-object-signing-alg] [--json]
  --super-admin: with --scope admin, a super-admin — administers tenants and every tenant's admin API
                 (clients of the default tenant only; set only here or with another super-admin's token)
grantry clients list [--json]
grantry clients show CLIENT_ID [--json]
grantry clients delete CLIENT_ID`;

export const CONFIG_USAGE = `grantry config check [--config PATH]
grantry config print --effective [--tenant DOMAIN] [--config PATH] [--json]
  (check: validates the file and its $env{} references without writing to the database or creating
   any file; exit 0 printing "ok: <file>", or 1 listing every problem, one per line. An existing
   database is read for clients registered (RFC 7591) with grant types outside
   [oauth.registration] allowed_grant_types, and for pairwise clients whose redirect URIs have no
   host of their own and no sector_identifier_uri: a warning names them. [tenant."<domain>"]
   tables are checked too: a key a tenant may not override is named.
   print --effective: the whole configuration in force (built-in defaults merged, PORT/HOST and
   DATABASE_URL applied) as TOML, or JSON with --json; passwords, keys and secrets masked.
   With --tenant DOMAIN: the settings a tenant may override, as that tenant resolves them (defaults,
   the top level, its [tenant."DOMAIN"] table, then its record's overrides set through the admin
   API, which win), each with its source; without a database here, the file's part only, said so)
  e.g. grantry config check --config /etc/grantry/deployment.toml
       grantry config print --effective --json
       grantry config print --effective --tenant wso2.com`;

export const IDPS_USAGE = `grantry idps create --name NAME --issuer ISS (--jwks-uri U | --certificate-file CERT.pem | --certificate-alias A)
                    [--alias AUD] [--alg ALG]... [--claim-mapping FROM=TO]... [--map-subject-to-user]
                    [--disabled] [--allow-insecure-jwks-uri] [--json]
grantry idps update ID [--name NAME] [--issuer ISS] [--jwks-uri U | --certificate-file CERT.pem | --certificate-alias A]
                    [--alias AUD] [--alg ALG]... [--claim-mapping FROM=TO]... [--map-subject-to-user | --no-map-subject-to-user]
                    [--allow-insecure-jwks-uri | --no-allow-insecure-jwks-uri] [--json]
grantry idps enable|disable ID [--json]
grantry idps list [--json]
grantry idps show ID [--json]
grantry idps delete ID`;

export const INITIAL_ACCESS_TOKENS_USAGE = `grantry initial-access-tokens create [--expires-in SECONDS] [--max-uses N] [--json]
  (an RFC 7591 initial access token for POST /oauth2/register, shown once; it allows any number of
   registrations until it expires (default 24 hours) unless --max-uses is given)
  e.g. grantry initial-access-tokens create --max-uses 1 --json
grantry initial-access-tokens list [--json]
  (id, created_at, expires_at, max_uses, uses; never the tokens)
grantry initial-access-tokens revoke ID`;

export const KEYS_USAGE = `grantry keys list [--json]
grantry keys generate [--alg RS256|PS256|ES256|EdDSA] [--bits N] [--activate] [--json]
grantry keys generate --use enc [--alg RSA-OAEP-256|ECDH-ES|ECDH-ES+A128KW|ECDH-ES+A256KW] [--bits N] [--json]
grantry keys import --file F [--password-file F | --password-env NAME] [--alias A] [--alg ALG] [--activate] [--json]
grantry keys rotate [--use sig|enc] [--alg ALG] [--json]
grantry keys delete --kid K
grantry keys export --cert [--kid K] [--json]
  (--use enc: a key pair grantry decrypts with — JWE assertions addressed to it — published in the
   JWKS with use "enc"; delete removes an encryption key at once, signing keys leave by rotation)
  (export: the X.509 certificate, PEM, of the active key of [oauth.token] signing_alg or of --kid,
   for resource servers that validate by certificate)`;

export const TENANTS_USAGE = `grantry tenants create DOMAIN [--display-name NAME] [--disabled] [--json]
  (a tenant: lower-case DNS name, at most 64 characters; created with its first signing key)
  e.g. grantry tenants create wso2.com --display-name "WSO2" --json
grantry tenants update DOMAIN [--display-name NAME] [--json]
grantry tenants enable|disable DOMAIN [--json]
grantry tenants list [--json]
grantry tenants show DOMAIN [--json]
grantry tenants delete DOMAIN --yes
  (deletes the tenant and everything of it in one transaction: clients, users, identity providers,
   certificates, keys, grants, tokens, sessions, consents, initial access tokens; its audit events stay.
   The default tenant ${DEFAULT_TENANT} cannot be deleted or disabled)`;

export const USERS_USAGE = `grantry users create --username NAME [--password-file F | --password-env VAR | --password-stdin]
                     [--claim NAME=VALUE]... [--claims-file F.json] [--identity IDP=SUBJECT]... [--disabled] [--json]
grantry users list [--username NAME] [--json]
grantry users show ID [--json]
grantry users update ID [--username NAME] [--claim NAME=VALUE]... [--unset-claim NAME]... [--claims-file F.json]
                     [--identity IDP=SUBJECT]... [--enable | --disable] [--unlock] [--json]
grantry users set-password ID [--password-file F | --password-env VAR | --password-stdin]
grantry users delete ID
  (passwords never go on the command line: a file (one line; its trailing line break is dropped),
   an environment variable, or stdin — a hidden prompt when stdin is a terminal; set-password reads
   stdin when no option is given.
   --claim VALUE is JSON when it parses as JSON (true, 42, null, ["a","b"], {"k":"v"}, '"007"'),
   else text; an OIDC standard claim keeps its type (OIDC Core §5.1): name, email, phone_number
   and the other string claims are text as written (phone_number=4155551234), email_verified and
   phone_number_verified true or false, updated_at a number, address a JSON object.
   update --claim sets one claim and keeps the others; --unset-claim removes one;
   --claims-file replaces all of them (--claim and --unset-claim then apply to the file's).
   update --identity replaces the identity links.)
  e.g. grantry users update ID --claim email_verified=true --claim 'groups=["admins"]' --unset-claim nickname`;

export const TENANT_HELP = `--tenant DOMAIN: the tenant the command works in (default: the default tenant ${DEFAULT_TENANT}); start, migrate and tenants are server-wide`;
