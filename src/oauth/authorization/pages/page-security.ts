import type { InlineHashes } from './template';

/** The pages, named as their replacement template files (without `.html`). */
export const PAGE_KINDS = ['login', 'login-step', 'consent', 'select-account', 'error', 'logout', 'logged-out', 'form-post', 'continue'] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

/** Pages whose form posts back to grantry. */
const SELF_FORMS: ReadonlySet<PageKind> = new Set(['login', 'login-step', 'consent', 'select-account', 'logout']);

export interface PageHeaderOptions {
  /**
   * URLs the page's form submission may end at besides grantry itself; their origins join
   * `form-action`. Chrome and Safari apply `form-action` to the redirects that answer a form
   * POST as well (w3c/webappsec-csp#8), so when the login, consent, account or logout POST can
   * be answered by a redirect to the client (`redirect_uri`, `post_logout_redirect_uri`),
   * pass that URL here, or the browser blocks the redirect. A URL whose origin CSP cannot name
   * is left out: the answer to a POST goes there through the `continue` page instead (see
   * `deliver`). For `form-post` pass the view's `action`: it is the only target.
   */
  formTargets?: string[];
}

/** CSP host-source without a path (CSP3 §2.3.1: host-char is ALPHA / DIGIT / "-"; no IPv6 literals). */
const CSP_HOST = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d+)?$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:$/;

/**
 * The CSP source expression that allows a form to submit to `url` and nothing else: its origin,
 * or its scheme when the scheme has no origin (a private-use scheme, RFC 8252 §7.1). Undefined
 * for an http(s) URL whose host CSP cannot name — an IPv6 literal such as a native client's
 * `http://[::1]` (CSP3 host-source has no IPv6; w3c/webappsec-csp#224), an underscore — rather
 * than all of `http:`. URL parsing passes `;` and `,` through in hosts, so the host is checked
 * here: a registered URI can never add directives to the header.
 */
export function formActionSource(url: string): string | undefined {
  const parsed = absolute(url);
  const special = parsed.protocol === 'http:' || parsed.protocol === 'https:';
  if (!special) return parsed.protocol;
  return CSP_HOST.test(parsed.host) ? parsed.origin : undefined;
}

function absolute(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`form target is not an absolute URL: ${JSON.stringify(url)}`);
  }
  if (!SCHEME.test(parsed.protocol)) throw new Error(`form target has an unusable scheme: ${JSON.stringify(url)}`);
  return parsed;
}

/**
 * The response headers of a page: a CSP that allows exactly the template's inline style and
 * script (by hash), images only as `data:` URLs, and forms only to where they belong; no
 * framing, no referrer, no caching.
 */
export function pageSecurityHeaders(
  kind: PageKind,
  hashes: InlineHashes,
  { formTargets = [] }: PageHeaderOptions = {},
): Record<string, string> {
  if (kind === 'form-post' && formTargets.length === 0) {
    throw new Error('form-post headers need formTargets: [view.action]');
  }
  // The form-post page exists only to post to its target: one CSP cannot name is allowed by its scheme there.
  const sources = formTargets.map((target) => formActionSource(target) ?? (kind === 'form-post' ? absolute(target).protocol : undefined));
  const formAction = [...(SELF_FORMS.has(kind) ? ["'self'"] : []), ...sources.filter((source) => source !== undefined)];
  const csp = [
    "default-src 'none'",
    ...(hashes.style.length ? [`style-src ${hashes.style.join(' ')}`] : []),
    ...(hashes.script.length ? [`script-src ${hashes.script.join(' ')}`] : []),
    'img-src data:',
    "base-uri 'none'",
    `form-action ${formAction.length ? [...new Set(formAction)].join(' ') : "'none'"}`,
    "frame-ancestors 'none'",
  ];
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': csp.join('; '),
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
}
