/**
 * A minimal browser for driving grantry's pages over real HTTP: a cookie jar, redirects followed
 * by hand (so a test sees every hop), forms read from the HTML a page serves.
 */
export class TestBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly origin: string) {}

  /** One request; `Set-Cookie` goes into the jar (expired ones leave it). */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; location?: string; html: string; headers: Headers }> {
    const absolute = new URL(url, this.origin);
    const headers: Record<string, string> = {};
    if (absolute.origin === new URL(this.origin).origin && this.cookies.size) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(absolute, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body: init.form ? new URLSearchParams(init.form) : undefined, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (attributes.some((attribute) => /^\s*max-age=0$/i.test(attribute)) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = response.headers.get('location') ?? undefined;
    return { status: response.status, location: location && new URL(location, absolute).toString(), html: await response.text(), headers: response.headers };
  }

  /** Follows redirects within grantry's origin; stops at a page, or at a redirect elsewhere (the client's redirect URI). */
  async follow(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; location?: string; html: string; url: string; headers: Headers }> {
    let current = new URL(url, this.origin).toString();
    let answer = await this.request(current, init);
    for (let hops = 0; answer.location && new URL(answer.location).origin === new URL(this.origin).origin && hops < 10; hops++) {
      current = answer.location;
      answer = await this.request(current);
    }
    return { ...answer, url: current };
  }

  /** Submits the page's form (the first, or the one whose action contains `actionPart`) with `fields` added. */
  async submit(page: { html: string; url: string }, fields: Record<string, string>, actionPart?: string) {
    const forms = [...page.html.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((match) => actionPart === undefined || decode(match[1]).includes(actionPart));
    if (!form) throw new Error(`no form${actionPart ? ` posting to ${actionPart}` : ''} on ${page.url}`);
    const values: Record<string, string> = {};
    for (const input of form[2].matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1];
      if (name !== undefined) values[decode(name)] = decode(value ?? '');
    }
    return this.follow(new URL(decode(form[1]), page.url).toString(), { form: { ...values, ...fields } });
  }

  has(cookie: string): boolean {
    return this.cookies.has(cookie);
  }

  /** The names of the cookies the jar holds. */
  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  /** A cookie's value in the jar. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Puts a cookie into the jar by hand (a value copied from another cookie, as an attacker could). */
  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }
}

function decode(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'").replace(/&#96;/g, '`').replace(/&#x60;/g, '`');
}
