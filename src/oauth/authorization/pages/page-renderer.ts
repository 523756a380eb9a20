import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Injectable } from '@nestjs/common';
import { formatMessage, MESSAGES, Messages, negotiateLang } from './messages';
import { PAGE_KINDS, PageHeaderOptions, PageKind, pageSecurityHeaders } from './page-security';
import { PagesSettings } from './pages.settings';
import { Template } from './template';
import { BUILT_IN_TEMPLATES } from './templates';

export interface PageChrome {
  /** A `ui_locales` value or a language tag; the first language with messages is used, else `en`. */
  lang: string;
  /** The document title; each page has its own by default. */
  title: string;
}
export interface LoginView { action: string; csrf: string; clientName: string; username?: string; error?: string; loginHint?: string }
/** A field of a further login step's form. */
export interface LoginStepField { name: string; label: string; type?: 'text' | 'password' | 'number' | 'email' | 'tel'; autocomplete?: string; inputmode?: string }
/** A further step of signing in (a plugin's second factor): its heading, words and fields. */
export interface LoginStepView { action: string; csrf: string; clientName: string; heading: string; intro?: string; fields: LoginStepField[]; error?: string; submitLabel?: string }
export interface ConsentView { action: string; csrf: string; clientName: string; username: string; scopes: { name: string; description?: string }[] }
export interface SelectAccountView { action: string; csrf: string; clientName: string; accounts: { sessionRef: string; username: string }[] }
/** For a request that cannot be redirected (unknown client, bad redirect_uri): never links back to the client. */
export interface ErrorView { error: string; description: string }
export interface LogoutView { action: string; csrf: string; clientName?: string }
/** Nothing to show but the message. */
export interface LoggedOutView {}
export interface FormPostView { action: string; fields: Record<string, string> }
/** Where the browser goes next (a redirect URI with the response), by a refresh and a link. */
export interface ContinueView { location: string }

interface Views {
  login: LoginView; 'login-step': LoginStepView; consent: ConsentView; 'select-account': SelectAccountView; error: ErrorView;
  logout: LogoutView; 'logged-out': LoggedOutView; 'form-post': FormPostView; continue: ContinueView;
}

/**
 * The variables each template gets, besides `lang`, `title` and `t` (every message of `lang`,
 * as `{{t.signIn}}`). Every key is always present (absent optional values are ''), and list
 * items carry all their keys, so a name never falls through to an outer value.
 */
const VARIABLES: { [K in PageKind]: (view: Views[K], t: Messages) => Record<string, unknown> } = {
  login: (v, t) => {
    // A re-rendered form keeps what was typed; a first one takes OIDC's login_hint.
    const username = v.username ?? v.loginHint ?? '';
    return {
      action: v.action, csrf: v.csrf, clientName: v.clientName, username, loginHint: v.loginHint ?? '',
      error: v.error ?? '', intro: formatMessage(t.loginIntro, { client: v.clientName }),
      focusUsername: !username, focusPassword: !!username,
    };
  },
  'login-step': (v, t) => ({
    action: v.action, csrf: v.csrf, clientName: v.clientName, heading: v.heading, intro: v.intro ?? '', error: v.error ?? '',
    submitLabel: v.submitLabel ?? t.continueSignIn,
    fields: v.fields.map((f, i) => ({ id: `field-${i}`, name: f.name, label: f.label, type: f.type ?? 'text', autocomplete: f.autocomplete ?? 'off', inputmode: f.inputmode ?? 'text', first: i === 0 })),
  }),
  consent: (v, t) => ({
    action: v.action, csrf: v.csrf, clientName: v.clientName, username: v.username,
    scopes: v.scopes.map((s) => ({ name: s.name, description: s.description ?? '' })),
    hasScopes: v.scopes.length > 0,
    intro: formatMessage(t.consentIntro, { client: v.clientName }),
    noScopes: formatMessage(t.consentNoScopes, { client: v.clientName }),
    signedInAs: formatMessage(t.signedInAs, { user: v.username }),
  }),
  'select-account': (v, t) => ({
    action: v.action, csrf: v.csrf, clientName: v.clientName,
    accounts: v.accounts.map((a) => ({ sessionRef: a.sessionRef, username: a.username })),
    intro: formatMessage(t.selectAccountIntro, { client: v.clientName }),
  }),
  error: (v) => ({ error: v.error, description: v.description }),
  logout: (v, t) => ({
    action: v.action, csrf: v.csrf, clientName: v.clientName ?? '',
    intro: v.clientName ? formatMessage(t.logoutIntro, { client: v.clientName }) : '',
  }),
  'logged-out': () => ({}),
  'form-post': (v) => ({
    action: v.action, fields: Object.entries(v.fields).map(([name, value]) => ({ name, value })),
  }),
  continue: (v) => ({ location: v.location }),
};

const TITLES: { [K in PageKind]: keyof Messages } = {
  login: 'loginTitle', 'login-step': 'loginTitle', consent: 'consentTitle', 'select-account': 'selectAccountTitle', error: 'errorTitle',
  logout: 'logoutTitle', 'logged-out': 'loggedOutTitle', 'form-post': 'formPostTitle', continue: 'formPostTitle',
};

/** Every optional value set and every list non-empty: what a template is checked against at start-up. */
const SAMPLES: { [K in PageKind]: Views[K] } = {
  login: { action: '/a', csrf: 'c', clientName: 'n', username: 'u', error: 'e', loginHint: 'h' },
  'login-step': { action: '/a', csrf: 'c', clientName: 'n', heading: 'h', intro: 'i', error: 'e', submitLabel: 's', fields: [{ name: 'otp', label: 'l', type: 'text', autocomplete: 'one-time-code', inputmode: 'numeric' }] },
  consent: { action: '/a', csrf: 'c', clientName: 'n', username: 'u', scopes: [{ name: 's', description: 'd' }] },
  'select-account': { action: '/a', csrf: 'c', clientName: 'n', accounts: [{ sessionRef: 'r', username: 'u' }] },
  error: { error: 'e', description: 'd' },
  logout: { action: '/a', csrf: 'c', clientName: 'n' },
  'logged-out': {},
  'form-post': { action: 'https://rp.example/cb', fields: { code: 'c' } },
  continue: { location: 'http://[::1]:8080/cb?code=c' },
};

/**
 * Renders the browser sign-in pages as complete HTML5 documents. Design: inline style and
 * script are fixed text in the templates, hashed once at start-up (no per-render nonces), so
 * each method returns the HTML string and `headers(kind, ...)` the matching security headers —
 * send both. `[login] templates_dir` replaces any page by `<dir>/<kind>.html`; a file that
 * cannot be read, does not parse or uses an unknown name stops start-up, naming the file.
 */
@Injectable()
export class PageRenderer {
  private readonly templates = new Map<PageKind, Template>();

  constructor(settings: PagesSettings) {
    const dir = settings.templates_dir === undefined ? undefined : resolve(settings.templates_dir);
    if (dir !== undefined && !isDirectory(dir)) throw new Error(`[login] templates_dir is not a folder: ${dir}`);
    for (const kind of PAGE_KINDS) {
      const name = `${kind}.html` as const;
      const custom = dir === undefined ? undefined : readTemplate(join(dir, name));
      const file = custom === undefined ? `built-in ${name}` : join(dir!, name);
      const template = Template.compile(custom ?? BUILT_IN_TEMPLATES[name], file);
      const problems = template.problems(this.context(kind, SAMPLES[kind], {}));
      if (problems.length) throw new Error(`template ${file}: ${problems.join('; ')}`);
      this.templates.set(kind, template);
    }
  }

  login(view: LoginView, chrome?: Partial<PageChrome>): string {
    return this.render('login', view, chrome);
  }

  loginStep(view: LoginStepView, chrome?: Partial<PageChrome>): string {
    return this.render('login-step', view, chrome);
  }

  consent(view: ConsentView, chrome?: Partial<PageChrome>): string {
    return this.render('consent', view, chrome);
  }

  selectAccount(view: SelectAccountView, chrome?: Partial<PageChrome>): string {
    return this.render('select-account', view, chrome);
  }

  error(view: ErrorView, chrome?: Partial<PageChrome>): string {
    return this.render('error', view, chrome);
  }

  logout(view: LogoutView, chrome?: Partial<PageChrome>): string {
    return this.render('logout', view, chrome);
  }

  loggedOut(view: LoggedOutView = {}, chrome?: Partial<PageChrome>): string {
    return this.render('logged-out', view, chrome);
  }

  formPost(view: FormPostView, chrome?: Partial<PageChrome>): string {
    return this.render('form-post', view, chrome);
  }

  continueTo(view: ContinueView, chrome?: Partial<PageChrome>): string {
    return this.render('continue', view, chrome);
  }

  /** The headers to send with page `kind` (for `form-post`: `{ formTargets: [view.action] }`). */
  headers(kind: PageKind, options?: PageHeaderOptions): Record<string, string> {
    return pageSecurityHeaders(kind, this.templates.get(kind)!.inlineHashes, options);
  }

  private render<K extends PageKind>(kind: K, view: Views[K], chrome: Partial<PageChrome> = {}): string {
    return this.templates.get(kind)!.render(this.context(kind, view, chrome));
  }

  private context<K extends PageKind>(kind: K, view: Views[K], chrome: Partial<PageChrome>): object {
    const lang = negotiateLang(chrome.lang);
    const t = MESSAGES[lang];
    return { ...VARIABLES[kind](view, t), lang, title: chrome.title ?? t[TITLES[kind]], t };
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The file's text, or undefined when there is none (the built-in page stays). */
function readTemplate(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`template ${path} cannot be read: ${(err as Error).message}`);
  }
}
