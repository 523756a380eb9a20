/**
 * Every user-visible string of the built-in pages, by language. To add a language, add an
 * object with the same keys; `negotiateLang` then picks it from `ui_locales`. `{client}` and
 * `{user}` are replaced by the (escaped) client name and username.
 */
const en = {
  loginTitle: 'Sign in',
  loginHeading: 'Sign in',
  loginIntro: 'to continue to {client}',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  continueSignIn: 'Continue',

  consentTitle: 'Allow access',
  consentHeading: 'Allow access?',
  consentIntro: '{client} asks for permission to:',
  consentNoScopes: '{client} asks to confirm who you are.',
  signedInAs: 'Signed in as {user}',
  approve: 'Allow',
  deny: 'Deny',

  selectAccountTitle: 'Choose an account',
  selectAccountHeading: 'Choose an account',
  selectAccountIntro: 'to continue to {client}',
  useAnotherAccount: 'Use another account',

  errorTitle: 'Sign-in error',
  errorHeading: 'This request cannot be completed',
  errorCode: 'Error code:',
  errorAdvice: 'Go back to the application you came from and try again.',

  logoutTitle: 'Sign out',
  logoutHeading: 'Sign out of grantry?',
  logoutIntro: '{client} asks to sign you out.',
  signOut: 'Sign out',
  staySignedIn: 'Stay signed in',

  loggedOutTitle: 'Signed out',
  loggedOutHeading: 'You are signed out',
  loggedOutText: 'You can close this window.',

  formPostTitle: 'Returning to the application',
  formPostHeading: 'Returning to the application…',
  formPostNoScript: 'JavaScript is off: select Continue to return to the application.',
  continue: 'Continue',
};

export type Messages = typeof en;

export const MESSAGES: Readonly<Record<string, Messages>> = { en };

export const DEFAULT_LANG = 'en';

/**
 * The first language of `uiLocales` (OIDC Core §3.1.2.1 `ui_locales`: space-separated BCP 47
 * tags in order of preference) that has messages, matching `fr-CA` to `fr`; `en` otherwise.
 */
export function negotiateLang(uiLocales: string | undefined): string {
  for (const tag of (uiLocales ?? '').toLowerCase().split(/\s+/)) {
    if (!tag) continue;
    if (Object.hasOwn(MESSAGES, tag)) return tag;
    const primary = tag.split('-')[0];
    if (Object.hasOwn(MESSAGES, primary)) return primary;
  }
  return DEFAULT_LANG;
}

/** Replaces `{name}` placeholders; the result is plain text, escaped where it is rendered. */
export function formatMessage(message: string, params: Record<string, string>): string {
  return message.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
}
