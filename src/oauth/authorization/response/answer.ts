/**
 * What the browser is sent — a page, a redirect, a form that posts itself — as plain data. The
 * authorization flow decides it; only the HTTP layer (`authorization/http/`) writes it out.
 */
export interface Answer {
  status: number;
  headers: Readonly<Record<string, string>>;
  body?: string;
}

/** A 303 to one of grantry's own pages (the interaction's, after a form post or a step). */
export function seeOther(location: string): Answer {
  return { status: 303, headers: { Location: location, 'Cache-Control': 'no-store' } };
}
