import { DpopProofError, verifyDpopProof } from '../oauth/dpop/dpop-proof';
import { BearerTokenError } from './bearer-token.error';
import type { CheckedOptions } from './resource-server.options';

/** Seconds a proof's `iat` may lie in the future (clocks differ). */
const FUTURE_SKEW = 5;

/** The parts of a request a proof is checked against, the same on Fastify and Express. */
export interface ProvedRequestLike {
  method?: string;
  /** Fastify and Express: the path and query as sent, before any rewriting. */
  originalUrl?: string;
  url?: string;
  headers?: Record<string, string | string[] | undefined> | { get(name: string): string | null };
}

/** A proof that passed its checks; `use` records its jti, last, once the request passed everything else. */
export interface ProvenRequest {
  readonly jkt: string;
  use(): Promise<void>;
}

/**
 * RFC 9449 §7.1 at this API: the request's one `DPoP` header, a proof of this request — `htm` its
 * method, `htu` the configured `dpop.url` and its path (query dropped), `iat` within
 * `proofMaxAge`, `ath` the presented token's hash — signed by a public `jwk` used for this proof
 * only. Its (jkt, jti) is used once, through the configured store.
 */
export class DpopRequestProof {
  constructor(
    private readonly realm: string,
    private readonly dpop: NonNullable<CheckedOptions['dpop']>,
  ) {}

  get algs(): readonly string[] {
    return this.dpop.algorithms;
  }

  async check(request: ProvedRequestLike, accessToken: string): Promise<ProvenRequest> {
    const { realm, dpop } = this;
    const fail = (why: string) => BearerTokenError.invalidDpopProof(realm, why, dpop.algorithms);
    const header = dpopHeader(request);
    if (header === undefined) throw fail('a DPoP token without a DPoP proof');
    if (typeof header !== 'string' || header.includes(',')) throw fail('more than one DPoP header');
    const path = (request.originalUrl ?? request.url ?? '/').split('?')[0];
    const now = Math.floor(Date.now() / 1000);
    let proof;
    try {
      proof = await verifyDpopProof(header, { htm: request.method ?? 'GET', htu: `${dpop.url}${path}`, now, maxAge: dpop.proofMaxAge, skew: FUTURE_SKEW, algs: dpop.algorithms, accessToken });
    } catch (error) {
      if (error instanceof DpopProofError) throw fail(error.message);
      throw error;
    }
    const expiresAt = Math.max(proof.iat, now) + dpop.proofMaxAge + FUTURE_SKEW;
    return {
      jkt: proof.jkt,
      use: async () => {
        // RFC 9449 §11.1: one (jkt, jti) is accepted once.
        if (!(await dpop.jtiStore.use(`${proof.jkt}:${proof.jti}`, expiresAt))) throw fail('the DPoP proof has been used already');
      },
    };
  }
}

function dpopHeader(request: ProvedRequestLike): string | string[] | undefined {
  const headers = request.headers;
  if (!headers) return undefined;
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get('dpop') ?? undefined;
  return (headers as Record<string, string | string[] | undefined>).dpop;
}
