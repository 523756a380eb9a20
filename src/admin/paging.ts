import { OAuthError } from '../common/oauth-error';

export interface Paging {
  limit: number;
  offset: number;
}

const MAX_LIMIT = 200;

/** `?limit=&offset=` of every admin list: limit 1-200 (default 50), offset from 0. */
export function parsePaging(query: { limit?: string; offset?: string }): Paging {
  return {
    limit: integer(query.limit, 'limit', 50, 1, MAX_LIMIT),
    offset: integer(query.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw OAuthError.invalidRequest(`${name} must be an integer from ${min} to ${max}`);
  }
  return parsed;
}
