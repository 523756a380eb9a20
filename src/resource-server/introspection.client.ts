import { createHash } from 'node:crypto';
import { TtlCache } from '../common/ttl-cache';
import { BoundedFetch, FetchFailed } from './bounded-fetch';
import type { CheckedOptions } from './resource-server.options';

/** Most answers remembered at once in each cache; the oldest leaves first. */
const CACHE_CAPACITY = 10_000;

type Answer = Record<string, unknown>;

/**
 * RFC 7662 client: asks the authorization server whether a token is active, authenticating
 * as this resource server's client with client_secret_basic (RFC 6749 §2.3.1).
 *
 * Tokens are known here by their SHA-256 only (the token itself is neither kept nor logged):
 * identical tokens checked at the same time share one call; an inactive answer is remembered
 * for `inactiveCacheTtl` seconds (a junk token sent again and again costs one call per that
 * long — an inactive token never turns active); an active one only for `cacheTtl` (default 0:
 * never), so that a revocation is seen at the next request.
 */
export class IntrospectionClient {
  private readonly active: TtlCache<string, Answer>;
  private readonly inactive: TtlCache<string, true>;
  private readonly inFlight = new Map<string, Promise<Answer | undefined>>();
  private readonly authorization: string;

  constructor(
    private readonly options: NonNullable<CheckedOptions['introspection']>,
    private readonly endpoint: () => Promise<string>,
    private readonly fetcher: BoundedFetch,
  ) {
    // §2.3.1: each part form-urlencoded before Basic encoding.
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    this.authorization = `Basic ${Buffer.from(`${encode(options.clientId)}:${encode(options.clientSecret)}`).toString('base64')}`;
    this.active = new TtlCache(options.cacheTtl, CACHE_CAPACITY);
    this.inactive = new TtlCache(options.inactiveCacheTtl, CACHE_CAPACITY);
  }

  /** The answer when the token is active, else undefined. Throws FetchFailed when there is no usable answer. */
  async introspect(token: string): Promise<Answer | undefined> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.active.get(key);
    if (cached) return cached;
    if (this.inactive.get(key)) return undefined;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.ask(token, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async ask(token: string, key: string): Promise<Answer | undefined> {
    const endpoint = await this.endpoint();
    // §2.1: the token, with a hint of its type.
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const { status, body } = await this.fetcher.postForm(endpoint, form, { authorization: this.authorization });
    if (status !== 200) throw new FetchFailed(`${endpoint}: HTTP ${status}${status === 401 ? ' (check introspection.clientId and clientSecret)' : ''}`);
    const answer = body as Answer | null;
    if (!answer || typeof answer !== 'object' || typeof answer.active !== 'boolean') throw new FetchFailed(`${endpoint}: not an introspection answer`);
    if (!answer.active) {
      this.inactive.set(key, true);
      return undefined;
    }
    // Never past the token's own exp.
    const secondsLeft = typeof answer.exp === 'number' ? answer.exp - Date.now() / 1000 : Infinity;
    this.active.set(key, answer, secondsLeft);
    return answer;
  }
}
