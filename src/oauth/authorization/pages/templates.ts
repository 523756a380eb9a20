/**
 * The built-in pages, written in the same template language as replacement templates
 * (`template.ts`) and kept here as strings because `tsc` copies no `.html` to `dist`. Each is a
 * whole document; a `[login] templates_dir` file of the same name replaces it. The variables
 * each page gets are listed in `page-renderer.ts`.
 *
 * The stylesheet is inline (no external assets) and fixed, so its CSP hash is computed once at
 * start-up; it works without JavaScript, follows the system's light or dark scheme, and keeps
 * text contrast at WCAG AA or better with a visible keyboard focus ring.
 */

const CSS = `
:root { color-scheme: light dark; --fg: #1b1b1f; --bg: #f2f2f5; --card: #fff; --muted: #4a4a55;
  --accent: #0b57d0; --on-accent: #fff; --line: #767683; --err: #a50e0e; --err-bg: #fce8e6; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8ec; --bg: #121214; --card: #1e1e22; --muted: #b8b8c2;
    --accent: #8ab4f8; --on-accent: #0b1a33; --line: #8c8c98; --err: #f2b8b5; --err-bg: #3b1412; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 2rem 1rem; background: var(--bg); color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 26rem; margin: 0 auto; padding: 1.5rem; background: var(--card);
  border-radius: .75rem; box-shadow: 0 1px 4px rgba(0, 0, 0, .25); overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 .5rem; }
p { margin: 0 0 1rem; }
.muted { color: var(--muted); }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input { display: block; width: 100%; margin-bottom: 1rem; padding: .6rem .75rem; font: inherit;
  color: var(--fg); background: var(--card); border: 1px solid var(--line); border-radius: .375rem; }
button { width: 100%; padding: .6rem 1rem; font: inherit; font-weight: 600; cursor: pointer;
  color: var(--on-accent); background: var(--accent); border: 2px solid var(--accent); border-radius: .375rem; }
button.secondary { color: var(--accent); background: transparent; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; }
.actions button { flex: 1 1 8rem; }
.alert { margin-bottom: 1rem; padding: .75rem; color: var(--err); background: var(--err-bg);
  border-left: 4px solid var(--err); border-radius: .25rem; }
ul { margin: 0 0 1rem; padding-left: 1.25rem; }
ul.accounts { list-style: none; padding: 0; }
ul.accounts li { margin-bottom: .5rem; }
code { font-size: .9em; }
`;

function page(body: string, tail = '', head = ''): string {
  return `<!DOCTYPE html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
${head}<title>{{title}}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body.trim()}
</main>
${tail}</body>
</html>
`;
}

const LOGIN = page(`
<h1>{{t.loginHeading}}</h1>
<p class="muted">{{intro}}</p>
{{#error}}<p class="alert" role="alert" id="login-error">{{error}}</p>{{/error}}
<form method="post" action="{{action}}">
<input type="hidden" name="csrf" value="{{csrf}}">
<label for="username">{{t.username}}</label>
<input id="username" name="username" type="text" value="{{username}}" autocomplete="username" autocapitalize="none" spellcheck="false" required{{#focusUsername}} autofocus{{/focusUsername}}{{#error}} aria-describedby="login-error"{{/error}}>
<label for="password">{{t.password}}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{{#focusPassword}} autofocus{{/focusPassword}}{{#error}} aria-describedby="login-error"{{/error}}>
<button type="submit">{{t.signIn}}</button>
</form>
`);

/** A further step of signing in (a second factor, say), its fields given by the step. */
const LOGIN_STEP = page(`
<h1>{{heading}}</h1>
<p class="muted">{{intro}}</p>
{{#error}}<p class="alert" role="alert" id="step-error">{{error}}</p>{{/error}}
<form method="post" action="{{action}}">
<input type="hidden" name="csrf" value="{{csrf}}">
{{#fields}}<label for="{{id}}">{{label}}</label>
<input id="{{id}}" name="{{name}}" type="{{type}}" autocomplete="{{autocomplete}}" inputmode="{{inputmode}}" required{{#first}} autofocus{{/first}}>
{{/fields}}<button type="submit">{{submitLabel}}</button>
</form>
`);

const CONSENT = page(`
<h1>{{t.consentHeading}}</h1>
{{#hasScopes}}<p>{{intro}}</p>
<ul class="scopes">
{{#scopes}}<li>{{#description}}{{description}} {{/description}}<code>{{name}}</code></li>
{{/scopes}}</ul>
{{/hasScopes}}{{^hasScopes}}<p>{{noScopes}}</p>
{{/hasScopes}}<p class="muted">{{signedInAs}}</p>
<form method="post" action="{{action}}">
<input type="hidden" name="csrf" value="{{csrf}}">
<div class="actions">
<button type="submit" name="decision" value="approve">{{t.approve}}</button>
<button type="submit" name="decision" value="deny" class="secondary">{{t.deny}}</button>
</div>
</form>
`);

const SELECT_ACCOUNT = page(`
<h1>{{t.selectAccountHeading}}</h1>
<p class="muted">{{intro}}</p>
<form method="post" action="{{action}}">
<input type="hidden" name="csrf" value="{{csrf}}">
<ul class="accounts">
{{#accounts}}<li><button type="submit" name="account" value="{{sessionRef}}" class="secondary">{{username}}</button></li>
{{/accounts}}<li><button type="submit" name="account" value="new" class="secondary">{{t.useAnotherAccount}}</button></li>
</ul>
</form>
`);

// Shown when the request cannot go back to the client: deliberately no link to it.
const ERROR = page(`
<h1>{{t.errorHeading}}</h1>
<p>{{description}}</p>
<p class="muted">{{t.errorCode}} <code>{{error}}</code></p>
<p class="muted">{{t.errorAdvice}}</p>
`);

const LOGOUT = page(`
<h1>{{t.logoutHeading}}</h1>
{{#intro}}<p class="muted">{{intro}}</p>
{{/intro}}<form method="post" action="{{action}}">
<input type="hidden" name="csrf" value="{{csrf}}">
<div class="actions">
<button type="submit" name="decision" value="approve">{{t.signOut}}</button>
<button type="submit" name="decision" value="deny" class="secondary">{{t.staySignedIn}}</button>
</div>
</form>
`);

const LOGGED_OUT = page(`
<h1>{{t.loggedOutHeading}}</h1>
<p>{{t.loggedOutText}}</p>
`);

// OAuth 2.0 Form Post Response Mode §2: the script submits at once; without JavaScript the
// user presses Continue. submit() through the prototype, so a field named "submit" cannot shadow it.
const FORM_POST = page(`
<h1>{{t.formPostHeading}}</h1>
<form method="post" action="{{action}}">
{{#fields}}<input type="hidden" name="{{name}}" value="{{value}}">
{{/fields}}<noscript><p>{{t.formPostNoScript}}</p><button type="submit">{{t.continue}}</button></noscript>
</form>
`, '<script>HTMLFormElement.prototype.submit.call(document.forms[0]);</script>\n');

// Answers a POST of these pages where CSP form-action cannot follow a redirect (a native client's
// http://[::1] redirect URI): the browser goes on by itself (a refresh is no form submission),
// or the user follows the link.
const CONTINUE = page(`
<h1>{{t.formPostHeading}}</h1>
<p><a href="{{location}}">{{t.continue}}</a></p>
`, '', '<meta http-equiv="refresh" content="0; url={{location}}">\n');

/** Built-in template of each page, by the file name that replaces it. */
export const BUILT_IN_TEMPLATES = {
  'login.html': LOGIN,
  'login-step.html': LOGIN_STEP,
  'consent.html': CONSENT,
  'select-account.html': SELECT_ACCOUNT,
  'error.html': ERROR,
  'logout.html': LOGOUT,
  'logged-out.html': LOGGED_OUT,
  'form-post.html': FORM_POST,
  'continue.html': CONTINUE,
} as const;
