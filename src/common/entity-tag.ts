import { createHash } from 'node:crypto';
import { OAuthError } from './oauth-error';

/** A record as the admin API shows it, with the strong entity tag of the stored version it shows. */
export interface Tagged<T> {
  view: T;
  etag: string;
}

/**
 * RFC 9110 §8.8.3: the strong entity tag of one stored version of a record. It names the kind,
 * tenant and id besides the version, so a tag copied from another record never matches this one.
 * base64url characters are all `etagc`.
 */
export function entityTag(kind: string, tenant: string, id: string, version: number, ...more: readonly unknown[]): string {
  const digest = createHash('sha256').update(JSON.stringify([kind, tenant, id, version, ...more])).digest('base64url');
  return `"${digest.slice(0, 27)}"`;
}

/** RFC 9110 §8.8.3: `W/"..."` or `"..."`; etagc is %x21 / %x23-7E / obs-text. */
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7E\x80-\xFF]*)"/;

/**
 * An `If-Match` precondition (RFC 9110 §13.1.1): `*` (any current representation) or a list of
 * entity tags compared strongly (§8.8.3.2) — a weak tag never matches.
 */
export class IfMatch {
  private constructor(
    /** `*`: any current representation will do, whatever its version. */
    readonly wildcard: boolean,
    /** The opaque tags of the strong entity tags listed, quotes included. */
    private readonly strong: readonly string[],
  ) {}

  /** Undefined without the header; a value that is not `*` or a list of entity tags is 400. */
  static parse(header: string | readonly string[] | undefined): IfMatch | undefined {
    if (header === undefined) return undefined;
    const value = (typeof header === 'string' ? header : header.join(', ')).trim();
    if (value === '*') return new IfMatch(true, []);
    const strong: string[] = [];
    let rest = value;
    let listed = 0;
    while (rest.length) {
      // RFC 9110 §5.6.1: empty list elements and OWS around the commas are allowed.
      const separator = /^[ \t]*,[ \t]*/.exec(rest);
      if (separator) {
        rest = rest.slice(separator[0].length);
        continue;
      }
      const tag = ENTITY_TAG.exec(rest);
      if (!tag) throw OAuthError.invalidRequest('If-Match must be * or a list of entity tags ("..." or W/"...")');
      if (!tag[1]) strong.push(`"${tag[2]}"`);
      listed++;
      rest = rest.slice(tag[0].length).replace(/^[ \t]+/, '');
      if (rest.length && rest[0] !== ',') throw OAuthError.invalidRequest('If-Match must be * or a list of entity tags ("..." or W/"...")');
    }
    if (!listed) throw OAuthError.invalidRequest('If-Match must be * or a list of entity tags ("..." or W/"...")');
    return new IfMatch(false, strong);
  }

  /** True when `current` (the record's tag now) satisfies the condition. */
  matches(current: string): boolean {
    return this.wildcard || this.strong.includes(current);
  }

  /** RFC 9110 §15.5.13: 412 when the record is no longer the version the client last saw. */
  require(current: string): void {
    if (!this.matches(current)) throw OAuthError.preconditionFailed('the record changed since it was read (If-Match does not match its ETag)');
  }
}
