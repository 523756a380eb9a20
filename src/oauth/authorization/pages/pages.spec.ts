import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { negotiateLang } from './messages';
import { ConsentView, ContinueView, FormPostView, LoginView, LogoutView, PageRenderer, SelectAccountView, LoginStepView } from './page-renderer';
import { formActionSource, PAGE_KINDS, PageKind } from './page-security';
import { escapeHtml } from './template';

// A tiny HTML reader, enough for what the renderer emits: every attribute value is double-quoted
// and escaped, so neither `"` nor `>` occurs inside one.
interface Tag { name: string; attrs: Record<string, string>; raw: string }
const TAG = /<([a-zA-Z][\w-]*)((?:\s+[^\s"'>\/=]+(?:="[^"]*")?)*)\s*>/g;
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, e: string) =>
  ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[e]!);
function tags(html: string): Tag[] {
  return [...html.matchAll(TAG)].map(([raw, name, rest]) => ({
    name: name.toLowerCase(),
    raw,
    attrs: Object.fromEntries([...rest.matchAll(/([^\s=]+)(?:="([^"]*)")?/g)].map(([, k, v]) => [k, decode(v ?? '')])),
  }));
}
const find = (html: string, name: string, attrs: Record<string, string> = {}) =>
  tags(html).filter((t) => t.name === name && Object.entries(attrs).every(([k, v]) => t.attrs[k] === v));
/** Tag names and attribute names, in order: what an injection would change. */
const skeleton = (html: string) => tags(html).map((t) => `${t.name}(${Object.keys(t.attrs).join(',')})`);
/** Text between tags, with style and script contents removed: must hold no markup. */
const textOnly = (html: string) => html.replace(/<(style|script)>[\s\S]*?<\/\1>/g, '').replace(/^<!DOCTYPE html>/, '').replace(TAG, '').replace(/<\/[a-z0-9]+>/g, '');
const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
const inline = (html: string, element: 'style' | 'script') =>
  [...html.matchAll(new RegExp(`<${element}>([\\s\\S]*?)</${element}>`, 'g'))].map((m) => m[1]);

const login: LoginView = { action: '/oauth2/interaction/abc/login', csrf: 'csrf-1', clientName: 'Demo' };
const loginStep: LoginStepView = {
  action: '/oauth2/interaction/abc/login', csrf: 'csrf-5', clientName: 'Demo', heading: 'Enter your code',
  fields: [{ name: 'otp', label: 'One-time code', autocomplete: 'one-time-code', inputmode: 'numeric' }],
};
const consent: ConsentView = {
  action: '/oauth2/interaction/abc/consent', csrf: 'csrf-2', clientName: 'Demo', username: 'alice',
  scopes: [{ name: 'openid' }, { name: 'orders:read', description: 'Read your orders' }],
};
const selectAccount: SelectAccountView = {
  action: '/oauth2/interaction/abc/account', csrf: 'csrf-3', clientName: 'Demo',
  accounts: [{ sessionRef: 's1', username: 'alice' }, { sessionRef: 's2', username: 'bob' }],
};
const logout: LogoutView = { action: '/oauth2/logout/confirm', csrf: 'csrf-4', clientName: 'Demo' };
const formPost: FormPostView = { action: 'https://rp.example/cb?x=1', fields: { code: 'c0de', state: 's' } };
const onward: ContinueView = { location: 'http://[::1]:49152/cb?code=c0de&state=s' };

function renderAll(r: PageRenderer): Record<PageKind, string> {
  return {
    login: r.login(login), 'login-step': r.loginStep(loginStep), consent: r.consent(consent), 'select-account': r.selectAccount(selectAccount),
    error: r.error({ error: 'invalid_request', description: 'redirect_uri is not registered' }),
    logout: r.logout(logout), 'logged-out': r.loggedOut({}), 'form-post': r.formPost(formPost), continue: r.continueTo(onward),
  };
}

function withDir(files: Record<string, string>, run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-pages-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('PageRenderer', () => {
  const renderer = new PageRenderer({});
  const pages = renderAll(renderer);

  it.each(PAGE_KINDS)('renders %s as a complete HTML5 document without external assets', (kind) => {
    const html = pages[kind];
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(find(html, 'meta', { charset: 'utf-8' })).toHaveLength(1);
    expect(find(html, 'meta', { name: 'viewport' })).toHaveLength(1);
    expect(find(html, 'title')).toHaveLength(1);
    expect(find(html, 'main')).toHaveLength(1);
    expect(find(html, 'h1')).toHaveLength(1);
    expect(inline(html, 'style')).toHaveLength(1);
    // The continue page's one link (and its refresh) is where the browser goes next, never an asset.
    const onwardLinks = kind === 'continue' ? html.replace(` href="${escapeHtml(onward.location)}"`, '') : html;
    expect(onwardLinks).not.toMatch(/<link|<img|<iframe|\s(src|href)=|url\(|@import/i);
    expect(textOnly(html)).not.toMatch(/[<>]/);
  });

  it('puts script only on the form-post page', () => {
    for (const kind of PAGE_KINDS) expect(/<script/.test(pages[kind])).toBe(kind === 'form-post');
  });

  it('carries a CSRF field in every form that posts to grantry', () => {
    const csrf: Partial<Record<PageKind, string>> = { login: 'csrf-1', consent: 'csrf-2', 'select-account': 'csrf-3', logout: 'csrf-4' };
    for (const [kind, value] of Object.entries(csrf) as [PageKind, string][]) {
      const forms = find(pages[kind], 'form', { method: 'post' });
      expect(forms).toHaveLength(1);
      expect(find(pages[kind], 'input', { type: 'hidden', name: 'csrf', value })).toHaveLength(1);
    }
    expect(find(pages.error, 'form')).toHaveLength(0);
    expect(find(pages['logged-out'], 'form')).toHaveLength(0);
    expect(find(pages.continue, 'form')).toHaveLength(0);
  });

  it('takes the browser on from the continue page by a refresh and a link, without a form or script', () => {
    expect(find(pages.continue, 'meta', { 'http-equiv': 'refresh', content: `0; url=${onward.location}` })).toHaveLength(1);
    expect(find(pages.continue, 'a', { href: onward.location })).toHaveLength(1);
  });

  describe('login', () => {
    const html = pages.login;

    it('has the field names DESIGN.md fixes, bound labels and one submit button', () => {
      expect(find(html, 'form', { method: 'post', action: login.action })).toHaveLength(1);
      expect(find(html, 'input', { name: 'username', autocomplete: 'username' })).toHaveLength(1);
      expect(find(html, 'input', { type: 'password', name: 'password', autocomplete: 'current-password' })).toHaveLength(1);
      for (const label of find(html, 'label')) expect(find(html, 'input', { id: label.attrs.for })).toHaveLength(1);
      expect(find(html, 'label').map((l) => l.attrs.for).sort()).toEqual(['password', 'username']);
      expect(find(html, 'button')).toEqual([expect.objectContaining({ attrs: { type: 'submit' } })]);
      expect(html).not.toContain('role="alert"');
    });

    it('focuses the first empty field', () => {
      const focused = (h: string) => tags(h).filter((t) => 'autofocus' in t.attrs).map((t) => t.attrs.name);
      expect(focused(html)).toEqual(['username']);
      expect(focused(renderer.login({ ...login, loginHint: 'alice@example.com' }))).toEqual(['password']);
      expect(focused(renderer.login({ ...login, username: 'alice', error: 'Wrong username or password' }))).toEqual(['password']);
    });

    it('prefills the typed username before login_hint', () => {
      const value = (h: string) => find(h, 'input', { name: 'username' })[0].attrs.value;
      expect(value(renderer.login({ ...login, loginHint: 'hint' }))).toBe('hint');
      expect(value(renderer.login({ ...login, loginHint: 'hint', username: 'typed' }))).toBe('typed');
    });

    it('shows an error in a role=alert element the fields point to', () => {
      const page = renderer.login({ ...login, error: 'Wrong username or password' });
      const [alert] = tags(page).filter((t) => t.attrs.role === 'alert');
      expect(page).toContain('>Wrong username or password</p>');
      expect(find(page, 'input', { 'aria-describedby': alert.attrs.id })).toHaveLength(2);
    });
  });

  it('consent lists the scopes and submits decision=approve or decision=deny', () => {
    const html = pages.consent;
    expect(find(html, 'form', { method: 'post', action: consent.action })).toHaveLength(1);
    expect(find(html, 'button', { type: 'submit', name: 'decision', value: 'approve' })).toHaveLength(1);
    expect(find(html, 'button', { type: 'submit', name: 'decision', value: 'deny' })).toHaveLength(1);
    expect(find(html, 'li')).toHaveLength(2);
    expect(html).toContain('<code>openid</code>');
    expect(html).toContain('Read your orders <code>orders:read</code>');
    expect(html).toContain('Signed in as alice');
    const none = renderer.consent({ ...consent, scopes: [] });
    expect(find(none, 'li')).toHaveLength(0);
    expect(none).toContain('Demo asks to confirm who you are.');
  });

  it('select-account offers each session and another account', () => {
    const buttons = find(pages['select-account'], 'button', { type: 'submit', name: 'account' });
    expect(buttons.map((b) => b.attrs.value)).toEqual(['s1', 's2', 'new']);
    expect(pages['select-account']).toContain('>alice</button>');
    expect(pages['select-account']).toContain('>Use another account</button>');
  });

  it('the error page shows the error and never links anywhere', () => {
    expect(pages.error).toContain('<code>invalid_request</code>');
    expect(pages.error).toContain('redirect_uri is not registered');
    expect(find(pages.error, 'a')).toHaveLength(0);
  });

  it('logout confirms with decision=approve or decision=deny', () => {
    expect(pages.logout).toContain('Sign out of grantry?');
    expect(pages.logout).toContain('Demo asks to sign you out.');
    expect(find(pages.logout, 'button', { type: 'submit', name: 'decision', value: 'approve' })).toHaveLength(1);
    expect(find(pages.logout, 'button', { type: 'submit', name: 'decision', value: 'deny' })).toHaveLength(1);
    expect(renderer.logout({ action: '/l', csrf: 'c' })).not.toContain('asks to sign you out');
    expect(pages['logged-out']).toContain('You are signed out');
  });

  it('form-post posts every field to the redirect_uri, by script or by a noscript button', () => {
    const html = pages['form-post'];
    expect(find(html, 'form', { method: 'post', action: formPost.action })).toHaveLength(1);
    expect(find(html, 'input', { type: 'hidden', name: 'code', value: 'c0de' })).toHaveLength(1);
    expect(find(html, 'input', { type: 'hidden', name: 'state', value: 's' })).toHaveLength(1);
    expect(html).toMatch(/<noscript>[^]*<button type="submit">Continue<\/button><\/noscript>\s*<\/form>/);
    expect(inline(html, 'script')).toEqual(['HTMLFormElement.prototype.submit.call(document.forms[0]);']);
  });

  it('sets lang from the first supported ui_locales tag and takes a title', () => {
    expect(negotiateLang('fr-CA EN-gb')).toBe('en');
    expect(negotiateLang(undefined)).toBe('en');
    const html = renderer.loggedOut({}, { lang: 'de', title: 'Bye <now>' });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Bye &lt;now&gt;</title>');
  });

  describe('escaping', () => {
    const hostile = [
      '"><script>alert(1)</script>',
      "' onmouseover=alert(1) x='",
      '`${alert(1)}`</title></textarea><img src=x onerror=alert(1)>',
      '&amp; {{t.signIn}} {client} {user}',
    ];

    it('escapes & < > " \' and backtick', () => {
      expect(escapeHtml('&<>"\'`')).toBe('&amp;&lt;&gt;&quot;&#39;&#96;');
    });

    it.each(hostile)('keeps the document structure with %s in every interpolated value', (h) => {
      const evil: Record<PageKind, string> = {
        login: renderer.login({ action: h, csrf: h, clientName: h, username: h, error: h, loginHint: h }, { title: h }),
        'login-step': renderer.loginStep({ action: h, csrf: h, clientName: h, heading: h, intro: h, error: h, submitLabel: h, fields: [{ name: h, label: h, autocomplete: h, inputmode: h }] }, { title: h }),
        consent: renderer.consent({ action: h, csrf: h, clientName: h, username: h, scopes: [{ name: h, description: h }, { name: h }] }, { title: h }),
        'select-account': renderer.selectAccount({ action: h, csrf: h, clientName: h, accounts: [{ sessionRef: h, username: h }] }, { title: h }),
        error: renderer.error({ error: h, description: h }, { title: h }),
        logout: renderer.logout({ action: h, csrf: h, clientName: h }, { title: h, lang: h }),
        'logged-out': renderer.loggedOut({}, { title: h }),
        'form-post': renderer.formPost({ action: h, fields: { [h]: h, code: h } }, { title: h }),
        continue: renderer.continueTo({ location: h }, { title: h }),
      };
      const benign: Record<PageKind, string> = {
        login: renderer.login({ action: 'a', csrf: 'c', clientName: 'n', username: 'u', error: 'e', loginHint: 'l' }),
        'login-step': renderer.loginStep({ action: 'a', csrf: 'c', clientName: 'n', heading: 'h', intro: 'i', error: 'e', submitLabel: 's', fields: [{ name: 'f', label: 'l', autocomplete: 'a', inputmode: 'm' }] }),
        consent: renderer.consent({ action: 'a', csrf: 'c', clientName: 'n', username: 'u', scopes: [{ name: 's', description: 'd' }, { name: 's' }] }),
        'select-account': renderer.selectAccount({ action: 'a', csrf: 'c', clientName: 'n', accounts: [{ sessionRef: 'r', username: 'u' }] }),
        error: renderer.error({ error: 'e', description: 'd' }),
        logout: renderer.logout({ action: 'a', csrf: 'c', clientName: 'n' }),
        'logged-out': renderer.loggedOut({}),
        'form-post': renderer.formPost({ action: 'a', fields: { f: 'v', code: 'c' } }),
        continue: renderer.continueTo({ location: 'l' }),
      };
      for (const kind of PAGE_KINDS) {
        const html = evil[kind];
        expect(skeleton(html)).toEqual(skeleton(benign[kind]));
        expect(textOnly(html)).not.toMatch(/[<>"'`]/);
        expect(html).not.toContain(h);
        expect(inline(html, 'script').length).toBe(kind === 'form-post' ? 1 : 0);
        // Attribute by attribute: the fixed value, or the hostile one given back unchanged.
        const plain = tags(benign[kind]);
        tags(html).forEach((t, i) => {
          // (The continue page's refresh names its location after a fixed prefix.)
          for (const [k, v] of Object.entries(t.attrs)) expect([plain[i].attrs[k], h, `0; url=${h}`]).toContain(v);
        });
      }
      expect(find(evil.login, 'input', { name: 'csrf', value: h })).toHaveLength(1);
      expect(find(evil.login, 'input', { name: 'username', value: h })).toHaveLength(1);
      expect(find(evil.login, 'form', { action: h })).toHaveLength(1);
      expect(find(evil['select-account'], 'button', { name: 'account', value: h })).toHaveLength(1);
      expect(find(evil['form-post'], 'input', { name: h, value: h })).toHaveLength(1);
      expect(evil.login).toContain(`<title>${escapeHtml(h)}</title>`);
      expect(evil.consent).toContain(`Signed in as ${escapeHtml(h)}`);
      expect(evil.logout).toContain('<html lang="en">');
    });
  });

  describe('security headers', () => {
    it.each(PAGE_KINDS)('%s: the CSP allows exactly the inline style and script in the page', (kind) => {
      const csp = renderer.headers(kind, kind === 'form-post' ? { formTargets: [formPost.action] } : {})['Content-Security-Policy'];
      const html = pages[kind];
      const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
      expect(directives['default-src']).toBe("'none'");
      expect(directives['style-src']).toBe(inline(html, 'style').map(sha256).join(' '));
      expect(directives['script-src']).toBe(kind === 'form-post' ? sha256(inline(html, 'script')[0]) : undefined);
      expect(directives['frame-ancestors']).toBe("'none'");
      expect(directives['base-uri']).toBe("'none'");
      expect(csp).not.toContain('unsafe');
    });

    it('limits form-action: self for grantry forms, none without a form, the origin for form-post', () => {
      const formAction = (kind: PageKind, formTargets?: string[]) =>
        /form-action ([^;]+)/.exec(renderer.headers(kind, { formTargets })['Content-Security-Policy'])![1];
      expect(formAction('login')).toBe("'self'");
      expect(formAction('consent', ['https://rp.example:8443/cb?x=1'])).toBe("'self' https://rp.example:8443");
      expect(formAction('error')).toBe("'none'");
      expect(formAction('logged-out')).toBe("'none'");
      expect(formAction('form-post', [formPost.action])).toBe('https://rp.example');
      expect(formAction('continue')).toBe("'none'");
      expect(() => renderer.headers('form-post')).toThrow(/formTargets/);
    });

    it('never widens the sign-in pages\' form-action to a scheme for an origin CSP cannot name (a native client\'s http://[::1])', () => {
      const formAction = (kind: PageKind, formTargets?: string[]) =>
        /form-action ([^;]+)/.exec(renderer.headers(kind, { formTargets })['Content-Security-Policy'])![1];
      for (const kind of ['login', 'login-step', 'consent', 'select-account', 'logout'] as const) {
        expect(formAction(kind, ['http://[::1]:49152/cb'])).toBe("'self'");
        expect(formAction(kind, ['http://127.0.0.1:49152/cb', 'http://[::1]:49152/cb'])).toBe("'self' http://127.0.0.1:49152");
      }
      // The form-post page exists only to post there: its scheme is the one way CSP can allow it.
      expect(formAction('form-post', ['http://[::1]:49152/cb'])).toBe('http:');
    });

    it('never lets a registered URI add CSP directives', () => {
      expect(formActionSource("https://evil.example;sandbox,'unsafe-inline'/cb")).toBeUndefined();
      expect(formActionSource('http://[::1]:8080/cb')).toBeUndefined();
      expect(formActionSource('com.example.app:/oauth2redirect')).toBe('com.example.app:');
      expect(formActionSource('https://Bücher.example/cb')).toBe('https://xn--bcher-kva.example');
      expect(() => formActionSource('/relative')).toThrow(/not an absolute URL/);
    });

    it('forbids framing, referrers, caching and sniffing', () => {
      expect(renderer.headers('login')).toEqual(expect.objectContaining({
        'Content-Type': 'text/html; charset=utf-8',
        'X-Frame-Options': 'DENY',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      }));
    });
  });

  describe('templates_dir', () => {
    const custom = [
      '<!DOCTYPE html>',
      '<html lang="{{lang}}"><head><meta charset="utf-8"><title>{{title}}</title>',
      '<style>body { color: #000; }</style></head>',
      '<body><h1>ACME — {{clientName}}</h1>{{#error}}<p role="alert">{{error}}</p>{{/error}}',
      '<form method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}">',
      '<label for="u">{{t.username}}</label><input id="u" name="username" value="{{username}}"{{^username}} autofocus{{/username}}>',
      '<label for="p">{{t.password}}</label><input id="p" type="password" name="password">',
      '<button type="submit">Go</button></form></body></html>',
    ].join('\r\n');

    it('replaces a page by its file and keeps built-ins for missing files', () => {
      withDir({ 'login.html': custom }, (dir) => {
        const r = new PageRenderer({ templates_dir: dir });
        const html = r.login({ ...login, clientName: '<b>', error: 'nope' });
        expect(html).toContain('<h1>ACME — &lt;b&gt;</h1><p role="alert">nope</p>');
        expect(html).not.toContain('\r');
        expect(find(html, 'input', { name: 'username', autofocus: '' })).toHaveLength(1);
        expect(r.consent(consent)).toBe(renderer.consent(consent));
        // The CSP follows the replacement's own style (hashed after CRLF became LF, as browsers parse it).
        expect(r.headers('login')['Content-Security-Policy']).toContain(`style-src ${sha256('body { color: #000; }')};`);
        expect(r.headers('consent')).toEqual(renderer.headers('consent'));
      });
    });

    it('renders lists with sections', () => {
      withDir({ 'consent.html': '<ul>{{#scopes}}<li title="{{description}}">{{name}}</li>{{/scopes}}{{^scopes}}none{{/scopes}}</ul>' }, (dir) => {
        const r = new PageRenderer({ templates_dir: dir });
        expect(r.consent(consent)).toBe('<ul><li title="">openid</li><li title="Read your orders">orders:read</li></ul>');
        expect(r.consent({ ...consent, scopes: [] })).toBe('<ul>none</ul>');
      });
    });

    it.each([
      ['login.html', '<p>{{#error}}x</p>', /login\.html, line 1: \{\{#error\}\} is never closed/],
      ['login.html', '<p>{{#error}}x{{/csrf}}</p>', /login\.html, line 1: \{\{\/csrf\}\} closes \{\{#error\}\}/],
      ['consent.html', '<p>\n{{clientNmae}}</p>', /consent\.html: line 2: unknown name \{\{clientNmae\}\}/],
      ['consent.html', '<p>{{scopes}}</p>', /consent\.html: line 1: \{\{scopes\}\} is a list or object/],
      ['consent.html', '<p>{{t.nope}}{{constructor}}</p>', /unknown name \{\{t\.nope\}\}; line 1: unknown name \{\{constructor\}\}/],
      ['error.html', '<p>{{{description}}}</p>', /error\.html, line 1: .*raw output/],
      ['error.html', '<p>{{& description}}</p>', /error\.html, line 1: .*raw output/],
      ['error.html', '<p>{{description</p>', /error\.html, line 1: unclosed \{\{/],
      ['logout.html', '<form action={{action}}>', /logout\.html, line 1: .*quoted attribute value/],
      ['logout.html', '<input {{csrf}}>', /logout\.html, line 1: .*quoted attribute value/],
      ['logout.html', '<style>p{}</style>\n<style>p::after{content:"{{csrf}}"}</style>', /logout\.html, line 2: no \{\{\.\.\.\}\} inside <style>/],
      ['form-post.html', '<script>var a = "{{action}}";</script>', /form-post\.html, line 1: no \{\{\.\.\.\}\} inside <script>/],
    ])('refuses a broken %s at start-up, naming the file', (name, text, message) => {
      withDir({ [name]: text }, (dir) => {
        expect(() => new PageRenderer({ templates_dir: dir })).toThrow(message);
        expect(() => new PageRenderer({ templates_dir: dir })).toThrow(join(dir, name));
      });
    });

    it('refuses an unreadable template and a missing folder', () => {
      withDir({}, (dir) => {
        mkdirSync(join(dir, 'login.html'));
        expect(() => new PageRenderer({ templates_dir: dir })).toThrow(`template ${join(dir, 'login.html')} cannot be read`);
        expect(() => new PageRenderer({ templates_dir: join(dir, 'missing') })).toThrow(/templates_dir is not a folder: .*missing/);
      });
    });
  });
});
