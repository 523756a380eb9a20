/**
 * The one reader of the access token a protected-resource request carries (RFC 6750 §2): the
 * server's protected endpoints (userinfo, the admin API, RFC 7591/7592 registration) and the
 * `grantry/resource-server` guard all take it from here. Pure, with no imports, so the resource
 * server takes it along when it is published on its own; each side turns a failure into its own
 * error type (RFC 6750 §3.1 says which answer each failure gets).
 */

/** The schemes a protected resource may accept a token with: `Bearer` (RFC 6750), `DPoP` (RFC 9449 §7.1). */
export type TokenScheme = 'Bearer' | 'DPoP';

/** Where a request may carry an access token (RFC 6750 §2.1–§2.3). */
export interface TokenCarriers {
  /** Every `Authorization` field line of the request, in order (`authorizationLines`). */
  authorization: readonly string[];
  /** The form body's `access_token` (§2.2); a repeat is an array. Read only where the resource says so (`form`). */
  form?: string | readonly string[];
  /**
   * The query's `access_token` (§2.3). No resource reads it (§5.3: tokens in page URLs leak into
   * logs, history and Referer): alone it is no token; beside another method it is a second
   * method, which §2 forbids.
   */
  query?: string | readonly string[];
}

/** A token as presented: the scheme (spelled as the accepting resource spells it) and the token. */
export interface PresentedToken {
  readonly scheme: TokenScheme;
  readonly token: string;
}

/**
 * Why no token could be taken, and the answer RFC 6750 §3.1 gives it:
 * - `missing`: no token by a method the resource reads, or credentials of another scheme ("attempted
 *   using an unsupported authentication method"): 401 with a bare challenge, no error code.
 * - `malformed`: an `Authorization` field of an accepted scheme that is not one token68, or more than
 *   one `Authorization` field line (RFC 9110 §5.3: a field that is not a list is sent once; of two
 *   lines, a proxy and this server might each honour another): 401 `invalid_token`.
 * - `ambiguous`: more than one method (header and form, header and query, ...), read or not, or a
 *   form `access_token` repeated where the form is read: 400 `invalid_request` (§2: clients MUST
 *   NOT use more than one method; §3.1: nor repeat a parameter).
 */
export type ExtractionProblem = 'missing' | 'malformed' | 'ambiguous';

/** The public description of an `ambiguous` failure, the same from every resource. */
export const SENT_MORE_THAN_ONCE = 'the access token must be sent once, by one method';

export interface ExtractionFailure {
  readonly problem: ExtractionProblem;
  /** Why, for the log: never contains the token. */
  readonly detail: string;
}

/**
 * RFC 9110 §11.4 `credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`; RFC 6750 §2.1
 * and RFC 9449 §7.1 likewise write `1*SP` between the scheme and the token, so one or more spaces
 * (the resource-server guard's rule; userinfo, the admin API and registration used to demand one).
 */
const CREDENTIALS = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: +(.*))?$/;

/** RFC 6750 §2.1 b64token (RFC 9110 §11.2 token68 is the same grammar). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function isExtractionFailure(result: PresentedToken | ExtractionFailure): result is ExtractionFailure {
  return 'problem' in result;
}

/** What a protected resource accepts. */
export interface TokenAcceptance {
  /** The `Authorization` schemes it takes (default Bearer). */
  schemes?: readonly TokenScheme[];
  /**
   * Whether it takes a token in the form body (§2.2, a Bearer token): userinfo does (OIDC Core
   * §5.3.1); where it does not, a form token alone is no token, and beside the header a second method.
   */
  form?: boolean;
}

/**
 * The one token of the request, by the one method it used, or why there is none. The scheme
 * name is case-insensitive (RFC 9110 §11.1); the token is returned as sent.
 */
export function extractAccessToken(carriers: TokenCarriers, { schemes: accepted = ['Bearer'], form: readsForm = false }: TokenAcceptance = {}): PresentedToken | ExtractionFailure {
  const header = carriers.authorization;
  const form = values(carriers.form);
  const query = values(carriers.query);
  if (header.length > 1) return { problem: 'malformed', detail: `${header.length} Authorization header fields` };
  const methods = [header.length && 'the Authorization header', form.length && 'the form', query.length && 'the query'].filter(Boolean);
  if (methods.length > 1) return { problem: 'ambiguous', detail: `an access token in ${methods.join(' and ')}` };

  if (form.length && readsForm && accepted.includes('Bearer')) {
    if (form.length > 1) return { problem: 'ambiguous', detail: 'access_token is included more than once in the form' };
    return form[0] === '' ? { problem: 'malformed', detail: 'the form access_token is empty' } : { scheme: 'Bearer', token: form[0] };
  }
  // What is not read, alone: no token (§3.1, a challenge without an error code).
  if (form.length) return { problem: 'missing', detail: 'a token in the form, which this resource does not read' };
  if (query.length) return { problem: 'missing', detail: 'a token in the query, which is never read (RFC 6750 §5.3)' };
  if (!header.length) return { problem: 'missing', detail: 'no Authorization header' };

  const match = CREDENTIALS.exec(header[0]);
  if (!match) return { problem: 'malformed', detail: 'the Authorization header is not a scheme and its credentials (RFC 9110 §11.4)' };
  const scheme = accepted.find((name) => name.toLowerCase() === match[1].toLowerCase());
  if (!scheme) return { problem: 'missing', detail: `the Authorization header is not ${accepted.join(' or ')} credentials` };
  const token = match[2];
  if (token === undefined || !B64TOKEN.test(token)) return { problem: 'malformed', detail: `the Authorization header is not ${scheme} and one b64token (RFC 6750 §2.1)` };
  return { scheme, token };
}

function values(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** The parts of a request the carriers are read from, the same on Fastify, Express and plain Node. */
export interface TokenRequestLike {
  /** Fastify: the Node message underneath; Express's request is one itself. */
  raw?: NodeMessageLike;
  headersDistinct?: NodeMessageLike['headersDistinct'];
  headers?: Record<string, string | string[] | undefined> | { get(name: string): string | null };
  query?: unknown;
}

interface NodeMessageLike {
  /** Node ≥ 18.3: every field line of a name. `headers` keeps only the first `Authorization` and drops the rest. */
  headersDistinct?: Record<string, string[] | undefined>;
}

/**
 * Every `Authorization` field line. Node's `headers.authorization` keeps the first line of a
 * repeated field and silently drops the others, so a repeat is visible only in `headersDistinct`;
 * without a Node message underneath (a test double, a Fetch-style request) the parsed headers are all there is.
 */
export function authorizationLines(request: TokenRequestLike): readonly string[] {
  const distinct = (request.raw ?? request).headersDistinct;
  return distinct ? (distinct.authorization ?? []) : headerValues(request, 'authorization');
}

/**
 * The carriers of a request: its `Authorization` lines, its query's `access_token`, and `form`,
 * the body's `access_token` as the resource reads it (`formAccessToken`, or its own parsing).
 */
export function tokenCarriers(request: TokenRequestLike, form?: unknown): TokenCarriers {
  return { authorization: authorizationLines(request), form: parameter(form), query: parameter(member(request.query, 'access_token')) };
}

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** RFC 6750 §2.2: the body's `access_token`, when the body is form-encoded (never a JSON member that happens to share the name). */
export function formAccessToken(request: TokenRequestLike & { body?: unknown }): unknown {
  const [contentType] = headerValues(request, 'content-type');
  return contentType !== undefined && FORM_CONTENT_TYPE.test(contentType) ? member(request.body, 'access_token') : undefined;
}

function member(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}

function headerValues(request: TokenRequestLike, name: string): readonly string[] {
  const headers = request.headers;
  if (!headers) return [];
  const value = typeof headers.get === 'function' ? (headers as { get(name: string): string | null }).get(name) : (headers as Record<string, string | string[] | undefined>)[name];
  return value === null || value === undefined ? [] : ([] as string[]).concat(value);
}

/** A parsed parameter: a string, or an array for a repeat (Fastify and Express both parse so); anything else a JSON body could hold is no token. */
function parameter(value: unknown): string | readonly string[] | undefined {
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? value.map(String) : undefined;
}
