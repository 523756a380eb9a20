import { createHash } from 'node:crypto';
import { BoundedFetch, FetchFailed } from './bounded-fetch';
import type { CheckedOptions } from './resource-server.options';

/** Most answers remembered at once (only with a cacheTtl); the oldest leaves first. */
const CACHE_CAPACITY = 10_000;

/**
 * RFC 7662 client: asks the authorization server whether a token is active, authenticating
 * as this resource server's client with client_secret_basic (RFC 6749 §2.3.1). Active answers
 * may be remembered for `cacheTtl` seconds (default 0: never), keyed by the token's SHA-256 —
 * the token itself is not kept.
 */
export class IntrospectionClient {
  private readonly cache = new Map<string, { answer: Record<string, unknown>; until: number }>();
  private readonly authorization: string;

  constructor(
    private readonly options: NonNullable<CheckedOptions['introspection']>,
    private readonly endpoint: () => Promise<string>,
    private readonly fetcher: BoundedFetch,
  ) {
    // §2.3.1: each part form-urlencoded before Basic encoding.
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    this.authorization = `Basic ${Buffer.from(`${encode(options.clientId)}:${encode(options.clientSecret)}`).toString('base64')}`;
  }

  /** The answer when the token is active, else undefined. Throws FetchFailed when there is no usable answer. */
  async introspect(token: string): Promise<Record<string, unknown> | undefined> {
    const key = this.options.cacheTtl > 0 ? createHash('sha256').update(token).digest('base64url') : undefined;
    const now = Date.now();
    const cached = key === undefined ? undefined : this.cache.get(key);
    if (cached && cached.until > now) return cached.answer;
    if (cached) this.cache.delete(key!);

    const endpoint = await this.endpoint();
    // §2.1: the token, with a hint of its type.
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const { status, body } = await this.fetcher.postForm(endpoint, form, { authorization: this.authorization });
    if (status !== 200) throw new FetchFailed(`${endpoint}: HTTP ${status}${status === 401 ? ' (check introspection.clientId and clientSecret)' : ''}`);
    const answer = body as Record<string, unknown> | null;
    if (!answer || typeof answer !== 'object' || typeof answer.active !== 'boolean') throw new FetchFailed(`${endpoint}: not an introspection answer`);
    if (!answer.active) return undefined;

    if (key !== undefined) {
      const exp = typeof answer.exp === 'number' ? answer.exp * 1000 : Infinity;
      if (this.cache.size >= CACHE_CAPACITY) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { answer, until: Math.min(now + this.options.cacheTtl * 1000, exp) });
    }
    return answer;
  }
}
